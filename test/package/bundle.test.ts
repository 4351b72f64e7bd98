import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, test } from 'vitest';
import { VERSION } from '../../src/version.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = (f: string) => `${root}dist/${f}`;
const require = createRequire(import.meta.url);

// Bundles an entry for the browser and lists every import esbuild could not resolve in a browser.
async function browserImports(stdin: string) {
  const seen = new Set<string>();
  await build({
    stdin: { contents: stdin, resolveDir: root, loader: 'js' },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
    plugins: [
      {
        name: 'record-node-builtins',
        setup(b) {
          b.onResolve({ filter: /^node:|^(fs|path|os|http|https|crypto|stream|util|url|child_process|net|tls|zlib|events|buffer)(\/|$)/ }, (args) => {
            seen.add(args.path);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return [...seen];
}

describe('package', () => {
  test('the build exists (npm test builds first)', () => {
    for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts', 'node.js', 'node.cjs', 'cli.js']) expect(existsSync(dist(f)), f).toBe(true);
  });

  test('the universal entry pulls in no Node built-in, directly or through a dependency', async () => {
    expect(await browserImports(`export * from ${JSON.stringify(dist('index.js'))};`)).toEqual([]);
  });

  test('the check itself catches a Node built-in (sanity)', async () => {
    expect(await browserImports(`export * from ${JSON.stringify(dist('node.js'))};`)).toContain('node:fs/promises');
  });

  test('the universal entry loads and builds a client where there is no `process` (browsers)', async () => {
    const script = `
      const real = globalThis.process;
      Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
      let out;
      try {
        const { NemoVideo } = await import(${JSON.stringify(dist('index.js'))});
        const nemo = new NemoVideo({ token: 'nmv_usr_browser1234' });
        out = nemo.baseURL;
      } finally {
        Object.defineProperty(globalThis, 'process', { value: real, configurable: true, writable: true });
      }
      console.log(out);
    `;
    const { execFileSync } = await import('node:child_process');
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(stdout.trim()).toBe('https://mega-api-prod.nemovideo.ai');
  });

  test('instanceof works across the ESM and CJS builds (dual-package hazard)', async () => {
    const esm = await import(dist('index.js'));
    const cjs = require(dist('index.cjs'));
    expect(esm.RateLimitError).not.toBe(cjs.RateLimitError);
    const fromCjs = new cjs.RateLimitError('slow', 1000);
    expect(fromCjs).toBeInstanceOf(esm.RateLimitError);
    expect(fromCjs).toBeInstanceOf(esm.APIError);
    expect(fromCjs).toBeInstanceOf(esm.NemoVideoError);
    expect(fromCjs).not.toBeInstanceOf(esm.AuthenticationError);
    expect(esm.isNemoVideoError(fromCjs)).toBe(true);
    expect(new esm.SessionNotFoundError('x', 1002)).toBeInstanceOf(cjs.NemoVideoError);
    expect(new Error('plain')).not.toBeInstanceOf(cjs.NemoVideoError);
  });

  // Bundles `contents` the way an app bundler would (one browser file, minified).
  async function appBundle(contents: string): Promise<string[]> {
    const result = await build({ stdin: { contents, resolveDir: root, loader: 'js' }, bundle: true, write: false, format: 'esm', platform: 'browser', minify: true, logLevel: 'silent' });
    return result.outputFiles.map((f) => f.text);
  }

  test('the decoders alone leave the client, ky and zod out of an app bundle', async () => {
    const [js = ''] = await appBundle(`export { decodeDraft, isExportable, summarizeTimeline } from ${JSON.stringify(dist('index.js'))};`);
    expect(js).toContain('Timeline (');
    expect(js).not.toContain('throwHttpErrors'); // ky
    expect(js).not.toContain('ZodMini'); // zod/mini
    expect(js).not.toContain('/run_sse'); // the chat resource
  });

  test('the size-limit entry is one file holding ky and the zod schemas (dynamic imports counted)', async () => {
    const files = await appBundle(`export * from ${JSON.stringify(`${root}scripts/size/full-client.js`)};`);
    expect(files).toHaveLength(1);
    expect(files[0]).not.toMatch(/\bimport\(/);
    expect(files[0]).toContain('throwHttpErrors');
    expect(files[0]).toContain('ZodMini');
  });

  test('package.json version matches the version sent in X-Skill-Version', () => {
    expect(JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version).toBe(VERSION);
  });
});
