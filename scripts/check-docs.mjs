#!/usr/bin/env node
/**
 * Type-checks the TypeScript samples of README.md and docs/*.md against the SDK's sources.
 *
 * Each ```ts block becomes a module in a temporary folder under .tmp/ (ignored by git), where
 * `nemovideo`, `nemovideo/node` and `nemovideo/testing` resolve to src/ through the `paths` of
 * tsconfig.docs.json, and `tsc --noEmit` checks them all with strict settings. Top-level await
 * works: every sample is a module (`module: esnext`, `target: es2022`).
 *
 * Fence options, after the language:
 *   ```ts no-check          skip the block (for samples that are partial on purpose; keep rare)
 *   ```ts base=test/cli     resolve the block's relative imports from this repository folder
 *                           (default: the folder of the markdown file)
 *
 * It also checks that every resource method the prose names (`nemo.render.export`,
 * `chat.recover(…)`, `render.wait(id)`…) exists on the client, and that every relative link
 * points at an existing file, and at an existing heading when it has a `#fragment`.
 *
 * Then it runs every sample whose fence says `run` (```ts run), each in a fresh process against
 * a loopback emulator, and checks what it prints against its `// → …` comments: see
 * scripts/run-samples.mjs. Mark as runnable every sample that can run against the emulator.
 *
 * Usage: node scripts/check-docs.mjs [--keep] [--no-run] [--timings] [files…]
 *        (default: README.md docs/*.md; --no-run: type-check only; --timings: time each sample)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnableSamples, runSamples } from './run-samples.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const run = !args.includes('--no-run');
const showTimings = args.includes('--timings');
const started = Date.now();
const given = args.filter((a) => !a.startsWith('--'));
const docs = given.length > 0
  ? given.map((f) => resolve(f))
  : [join(root, 'README.md'), ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join(root, 'docs', f))];

// Guides that another change adds: a link to them is reported, not failed, until they exist.
// Remove an entry once its file is in the repository.
const pendingFiles = new Set();

const languages = new Map([['ts', '.ts'], ['typescript', '.ts'], ['mts', '.mts'], ['tsx', '.tsx']]);
const resources = ['auth', 'sessions', 'chat', 'uploads', 'credits', 'state', 'render'];

/** The fenced code blocks of a markdown text: language, options, first content line (1-based), code. */
function fences(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, marker, lang, info] = open;
    const body = [];
    let j = i + 1;
    const close = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
    for (; j < lines.length && !close.test(lines[j]); j++) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    blocks.push({ lang: lang.toLowerCase(), info: info.trim().split(/\s+/).filter(Boolean), start: i + 2, end: j + 1, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** Inline code spans outside fenced blocks, with their line numbers. */
function inlineCode(text, blocks) {
  const lines = text.split('\n');
  const inFence = new Set(blocks.flatMap((b) => Array.from({ length: b.end - b.start + 2 }, (_, k) => b.start - 1 + k)));
  const spans = [];
  lines.forEach((line, i) => {
    if (inFence.has(i + 1)) return;
    for (const m of line.matchAll(/(`+)([^`]+?)\1(?!`)/g)) spans.push({ line: i + 1, code: m[2].trim() });
  });
  return spans;
}

/** GitHub's anchor for each heading of a markdown text (outside fences). */
function anchors(text) {
  const seen = new Map();
  const out = new Set();
  const blocks = fences(text);
  text.split('\n').forEach((line, i) => {
    if (blocks.some((b) => i + 1 >= b.start - 1 && i + 1 <= b.end)) return;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) return;
    const base = m[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  });
  return out;
}

/** Relative links (and same-file anchors) whose target file or heading does not exist. */
function brokenLinks(doc, text, blocks) {
  const broken = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (blocks.some((b) => i + 1 >= b.start - 1 && i + 1 <= b.end)) return;
    const prose = line.replace(/(`+)[^`]*?\1/g, '');
    for (const m of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:…
      const [path, fragment] = target.split('#');
      const file = path === '' ? doc : resolve(dirname(doc), decodeURIComponent(path));
      if (!existsSync(file)) {
        const pending = pendingFiles.has(relative(root, file).replaceAll('\\', '/'));
        broken.push({ line: i + 1, target, why: pending ? 'not written yet' : 'no such file', pending });
        continue;
      }
      if (fragment && file.endsWith('.md') && statSync(file).isFile() && !anchors(readFileSync(file, 'utf8')).has(fragment)) {
        broken.push({ line: i + 1, target, why: 'no such heading' });
      }
    }
  });
  return broken;
}

// A relative import is resolved from `base` (a repository folder); the temp folder is elsewhere.
function absolutizeImports(code, baseDir) {
  return code.replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\2/g, (_, head, quote, spec) => `${head}${quote}${resolve(baseDir, spec).replaceAll('\\', '/')}${quote}`);
}

mkdirSync(join(root, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(root, '.tmp', 'check-docs-'));
const samples = new Map(); // file name → { doc, start }
let skipped = 0;
const prose = [];
const links = [];
const notes = [];

for (const doc of docs) {
  const text = readFileSync(doc, 'utf8');
  const rel = relative(root, doc);
  const stem = rel.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-');
  const blocks = fences(text);
  for (const block of blocks) {
    const ext = languages.get(block.lang);
    if (ext === undefined) continue;
    if (block.info.includes('no-check')) {
      skipped++;
      continue;
    }
    const base = block.info.find((o) => o.startsWith('base='))?.slice(5);
    const baseDir = base === undefined ? dirname(doc) : resolve(root, base);
    const name = `${stem}-L${block.start}${ext}`;
    // `export {}` makes every sample a module (top-level await, no global clashes); it adds a
    // last line, so sample line N is markdown line start + N - 1.
    writeFileSync(join(dir, name), `${absolutizeImports(block.code, baseDir)}\nexport {};\n`);
    samples.set(name, { doc: rel, start: block.start });
  }
  for (const link of brokenLinks(doc, text, blocks)) {
    const line = `${rel}:${link.line}  broken link ${link.target} (${link.why})`;
    if (link.pending) notes.push(line);
    else links.push(line);
  }
  for (const span of inlineCode(text, blocks)) {
    // `nemo.<resource>.<method>…`, `<resource>.<method>(…)`, or a bare `render.export`.
    const m = /^(nemo\.)?([a-z]+)\.([a-zA-Z]+)(\(.*\))?$/.exec(span.code);
    if (!m || !resources.includes(m[2])) continue;
    if (!m[1] && !m[4] && m[2] === 'state') continue; // `state.draft` is a SessionState field
    prose.push({ doc: rel, line: span.line, resource: m[2], method: m[3], code: span.code });
  }
}

if (prose.length > 0) {
  const lines = ["import type { NemoVideo } from 'nemovideo';", 'declare const nemo: NemoVideo;'];
  for (const p of prose) lines.push(`void nemo.${p.resource}.${p.method}; // ${p.doc}:${p.line}`);
  writeFileSync(join(dir, 'prose-names.ts'), `${lines.join('\n')}\nexport {};\n`);
}

const files = [...samples.keys(), ...(prose.length > 0 ? ['prose-names.ts'] : [])];
writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: relative(dir, join(root, 'tsconfig.docs.json')).replaceAll('\\', '/'), files }, null, 2));

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const tscRun = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--noEmit', '--pretty', 'false'], { cwd: root, encoding: 'utf8' });
const output = `${tscRun.stdout}${tscRun.stderr}`;

// tsc prints `file(line,col): error TSxxxx: message` (+ indented continuation lines).
const errors = [];
for (const line of output.split('\n')) {
  const m = /^(.*?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
  if (m) {
    const [, file, l, c, code, message] = m;
    const name = relative(dir, resolve(root, file));
    const sample = samples.get(name);
    const proseLine = name === 'prose-names.ts' ? prose[Number(l) - 3] : undefined;
    let where;
    if (sample) where = `${sample.doc}:${sample.start + Number(l) - 1}:${c}`;
    else if (proseLine) where = `${proseLine.doc}:${proseLine.line} (\`${proseLine.code}\`: no method ${proseLine.resource}.${proseLine.method})`;
    else where = relative(root, resolve(root, file));
    errors.push(`${where}  ${code}: ${message}`);
  } else if (/^\s+\S/.test(line) && errors.length > 0) {
    errors[errors.length - 1] += `\n    ${line.trim()}`;
  } else if (line.trim() !== '' && !m) {
    errors.push(line); // a config error or similar: show it as is
  }
}

errors.push(...links);
if (!keep) rmSync(dir, { recursive: true, force: true });
const typeChecked = tscRun.status === 0;
let ranSummary = 'samples not run (--no-run)';
if (run) {
  const { errors: runErrors, ran, timings } = await runSamples(runnableSamples(docs, fences), { absolutizeImports, keep });
  errors.push(...runErrors);
  ranSummary = `${ran} runnable samples run against the emulator`;
  if (showTimings) for (const t of timings) console.log(`${String(t.ms).padStart(6)} ms  ${t.where}`);
}
const summary = `${samples.size} samples from ${docs.length} files type-checked, ${skipped} skipped (no-check), ${prose.length} method names in prose and the relative links checked, ${ranSummary} (${((Date.now() - started) / 1000).toFixed(1)} s)`;
if (!typeChecked || errors.length > 0) {
  console.error(errors.join('\n') || output);
  console.error(`\ncheck:docs failed: ${errors.length} error(s). ${summary}.${keep ? ` Samples kept in ${relative(root, dir)}.` : ' Run with --keep to inspect the generated files.'}`);
  process.exit(1);
}
for (const note of notes) console.log(`note: ${note}`);
console.log(`check:docs: ${summary}.`);
