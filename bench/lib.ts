/**
 * Helpers shared by the bench scripts: medians, ratios, the `--quick` flag, the one-line
 * `BENCH_RESULT {...}` report that bench/run.mjs collects, and bundling a bench file so its
 * measured part runs under plain `node` (no tsx loader in the process being measured).
 * @module
 */
import { fileURLToPath } from 'node:url';

/** One line of the table bench/run.mjs prints. */
export interface BenchRow {
  /** What is measured, e.g. `SSE decode, for await`. */
  metric: string;
  /** nemovideo's figure, formatted with its unit. */
  nemovideo: string;
  /** The baseline's figure and its name, e.g. `31.0 KB (openai)`. */
  baseline: string;
  /** Ours over the baseline (or the baseline over ours for speeds), as a number. */
  ratio: number | null;
  /** The target as text, e.g. `≥ 0.90×`. */
  target: string;
  /** Whether the target is met; `null` when the row is reported without a target. */
  met: boolean | null;
}

/** What one bench prints as its last line. */
export interface BenchResult {
  bench: string;
  /** How it was run (sizes, rounds), for the docs. */
  setup: string;
  rows: BenchRow[];
  /** Extra figures for the record (per-variant times, raw samples). */
  details?: Record<string, unknown>;
}

export const quick = process.argv.includes('--quick');
/** Positional arguments, without flags. */
export const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export const fmt = (n: number, digits = 2): string => n.toFixed(digits);

/** Prints the bench's result line; bench/run.mjs reads the last one. */
export function report(result: BenchResult): void {
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

/**
 * Bundles a bench file (the SDK from src, as tsup builds it, and its dependencies) into one ESM
 * file for plain `node`. Returns the path of the bundle.
 */
export async function bundleForNode(entry: string | URL, outfile: string): Promise<string> {
  const { build } = await import('esbuild');
  const path = entry instanceof URL || entry.startsWith('file:') ? fileURLToPath(entry) : entry;
  await build({
    entryPoints: [path],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile,
    logLevel: 'error',
    // CommonJS dependencies (openai's files) call require(): give the ESM bundle one.
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
  });
  return outfile;
}
