/**
 * Bundles the browser example from the universal entry (platform browser, no Node built-in).
 * Run: npx tsx examples/browser/build.ts → examples/browser/dist/{index.html,main.js}
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Builds the page and returns the folder to serve. */
export async function buildBrowserExample(outdir = `${here}dist`): Promise<string> {
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: [`${here}main.ts`],
    outfile: `${outdir}/main.js`,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  await copyFile(`${here}index.html`, `${outdir}/index.html`);
  return outdir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`built ${await buildBrowserExample()}`);
}
