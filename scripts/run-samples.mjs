/**
 * Runs the runnable samples of the guides, each in a fresh Node process, against one loopback
 * emulator. `npm run check:docs` (scripts/check-docs.mjs) calls it after type-checking the
 * samples; `node scripts/check-docs.mjs --timings docs/export.md` runs one guide's and prints how
 * long each took.
 *
 * A sample is runnable when its fence says so: ```ts run. Samples that cannot run against the
 * emulator (browser-only code, vitest tests, placeholders) stay type-checked only.
 *
 * Each sample runs as a program would: `node --import tsx <file> [session id]`, `nemovideo`
 * resolving to the build in dist/ (built first when missing), with
 *   - NEMO_API_URL  the emulator that `startEmulator` (from dist/) serves on 127.0.0.1, with
 *                   short timings; NEMO_TOKEN and NEMO_WEB_URL unset;
 *   - NEMO_CLIENT_ID one per guide, and HOME a temporary folder per guide (`FileTokenStore`
 *                   writes there): the samples of a guide are one anonymous user, like a reader's
 *                   scripts that share a token store or a client id;
 *   - argv[2]       the last session id an earlier sample of the same guide printed (a line
 *                   with "session" and a UUID), for samples that continue that session;
 *   - cwd           a temporary folder holding the files the samples name (`intro.mov`,
 *                   `logo.png`, `interview.mp4`, `notes.pdf`: stand-ins for the reader's own).
 * A sample fails on a non-zero exit, on a timeout, or when a line it prints contradicts the
 * comment beside it: `console.log(x); // → Timeline (3 tracks): …` must print a line matching
 * the text after the arrow, `…` standing for any text (every time that line runs, at least once).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Emulator timings for the samples: fast, with a second stage that still comes after the first. */
export const sampleEmulatorOptions = {
  seed: 'check-docs',
  replyMs: 20,
  generationMs: 300,
  editMs: 100,
  secondStageMs: 200,
  renderTimeMs: 300,
  heartbeatEveryMs: 100,
  initialCredits: 1_000_000,
  anonymousTokensPerIp: 1_000,
};

const perSampleTimeoutMs = 30_000;
const expectation = /^(\s*)console\.log\((.*)\);\s*\/\/\s*→\s*(.*?)\s*$/;
const sessionLine = /session\b.*?\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/i;

/** The regular expression a `// → …` comment stands for: `…` is any text, the rest literal. */
export function commentPattern(comment) {
  const parts = comment.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's');
}

/**
 * Rewrites a sample so that each `console.log(…); // → …` line also reports what it printed.
 * Returns the code and the expectations by id. Line numbers do not change.
 */
export function instrument(code) {
  const expectations = [];
  const lines = code.split('\n').map((line, index) => {
    const m = expectation.exec(line);
    if (!m) return line;
    const [, indent, args, comment] = m;
    expectations.push({ id: expectations.length, line: index + 1, comment, pattern: commentPattern(comment) });
    return `${indent}__nemoDocsLog(${expectations.length - 1}, ${args});`;
  });
  if (expectations.length > 0) {
    lines.push(
      // A hoisted function: the sample's own lines keep their numbers.
      'function __nemoDocsLog(id: number, ...args: unknown[]): void {',
      "  const text = (process.getBuiltinModule('node:util') as typeof import('node:util')).format(...args);",
      '  console.log(text);',
      "  (process.getBuiltinModule('node:fs') as typeof import('node:fs')).appendFileSync(process.env.NEMO_DOCS_EXPECT_FILE!, `${JSON.stringify({ id, text })}\\n`);",
      '}',
    );
  }
  return { code: lines.join('\n'), expectations };
}

function ensureBuilt() {
  const needed = ['dist/index.js', 'dist/node.js', 'dist/testing.js'];
  if (needed.every((f) => existsSync(join(root, f)))) return;
  console.log('run-samples: dist/ is missing, building it (npm run build)…');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed: the samples run against the build.');
}

function runOne(file, args, env, cwd) {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, file, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, perSampleTimeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

/** The runnable samples of markdown files, as `{ doc, start, code }` (start: first code line). */
export function runnableSamples(docs, fences) {
  const samples = [];
  for (const doc of docs) {
    for (const block of fences(readFileSync(doc, 'utf8'))) {
      if (['ts', 'typescript', 'mts'].includes(block.lang) && block.info.includes('run')) {
        samples.push({ doc: relative(root, doc), start: block.start, code: block.code, base: dirname(doc) });
      }
    }
  }
  return samples;
}

/**
 * Runs the samples (see the file's comment). Resolves with `{ errors, ran, timings }`; `errors`
 * are lines `doc:line  why`.
 */
export async function runSamples(samples, { absolutizeImports, keep = false, log = console.log } = {}) {
  const errors = [];
  const timings = [];
  if (samples.length === 0) return { errors, ran: 0, timings };
  ensureBuilt();
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(root, '.tmp', 'run-samples-'));
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  mkdirSync(home);
  mkdirSync(work);
  // Stand-ins for the reader's own files in the upload samples (the emulator checks the extension).
  const head = new Uint8Array([0, 0, 0, 20, 102, 116, 121, 112, 113, 116, 32, 32, 0, 0, 0, 0, 113, 116, 32, 32]);
  for (const name of ['intro.mov', 'interview.mp4', 'logo.png', 'notes.pdf']) writeFileSync(join(work, name), head);
  const { startEmulator } = await import(pathToFileURL(join(root, 'dist/testing.js')).href);
  const emulator = await startEmulator({ ...sampleEmulatorOptions, port: 0 });
  const baseEnv = { ...process.env, HOME: home, USERPROFILE: home, NEMO_API_URL: emulator.url, NO_COLOR: '1' };
  for (const name of ['NEMO_TOKEN', 'NEMO_WEB_URL', 'NEMO_CLIENT_ID', 'XDG_CONFIG_HOME']) delete baseEnv[name];

  // The samples of one guide run in order (they may continue each other's session); two guides at a time.
  const byDoc = new Map();
  for (const s of samples) byDoc.set(s.doc, [...(byDoc.get(s.doc) ?? []), s]);
  const queue = [...byDoc.entries()];
  const runDoc = async ([doc, list]) => {
    const stem = doc.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-');
    const docHome = join(home, stem);
    mkdirSync(docHome);
    const env = { ...baseEnv, HOME: docHome, USERPROFILE: docHome, NEMO_CLIENT_ID: `check-docs-${stem}` };
    let sessionId;
    let failed;
    for (const sample of list) {
      const where = `${sample.doc}:${sample.start}`;
      // A later sample may continue the failed one's session: one error per guide, not a cascade.
      if (failed) {
        errors.push(`${where}  not run: ${failed} failed first`);
        continue;
      }
      const before = errors.length;
      const { code, expectations } = instrument(absolutizeImports ? absolutizeImports(sample.code, sample.base) : sample.code);
      const file = join(dir, `${stem}-L${sample.start}.ts`);
      const expectFile = join(dir, `${stem}-L${sample.start}.expect.jsonl`);
      writeFileSync(file, `${code}\nexport {};\n`);
      writeFileSync(expectFile, '');
      const result = await runOne(file, sessionId ? [sessionId] : [], { ...env, NEMO_DOCS_EXPECT_FILE: expectFile }, work);
      timings.push({ where, ms: result.ms });
      const tail = (text) => text.trim().split('\n').slice(-12).map((l) => `    ${l}`).join('\n');
      if (result.timedOut) {
        errors.push(`${where}  sample did not finish within ${perSampleTimeoutMs / 1000} s\n${tail(result.stdout + result.stderr)}`);
        failed = where;
        continue;
      }
      if (result.code !== 0) {
        errors.push(`${where}  sample exited with ${result.code ?? result.signal}\n${tail(result.stderr || result.stdout)}`);
        failed = where;
        continue;
      }
      const printed = readFileSync(expectFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      for (const e of expectations) {
        const lines = printed.filter((p) => p.id === e.id).flatMap((p) => p.text.split('\n'));
        const line = sample.start + e.line - 1;
        if (lines.length === 0) errors.push(`${sample.doc}:${line}  never printed; the comment says: ${e.comment}`);
        for (const text of lines) {
          if (!e.pattern.test(text)) errors.push(`${sample.doc}:${line}  printed ${JSON.stringify(text)}, the comment says: ${e.comment}`);
        }
      }
      if (errors.length > before) failed = where;
      const found = result.stdout.split('\n').map((l) => sessionLine.exec(l)?.[1]).filter(Boolean);
      if (found.length > 0) sessionId = found.at(-1);
    }
  };
  const workers = Array.from({ length: Math.min(2, queue.length) }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await runDoc(next);
  });
  try {
    await Promise.all(workers);
  } finally {
    await emulator.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
  if (keep) log(`run-samples: files kept in ${relative(root, dir)}`);
  return { errors, ran: samples.length, timings };
}
