#!/usr/bin/env node
/**
 * Runs every bench in its own child process and prints ONE table of ratios, each measured
 * against its baseline in the same run. `npm run bench` (builds first) or
 * `node bench/run.mjs [--quick] [--only=name,name] [--json=path]`.
 *
 * Each bench prints a last line `BENCH_RESULT {...}` (bench/lib.ts); its other output is passed
 * through to stderr as progress. docs/performance.md records a run and how each figure is made.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const jsonOut = argv.find((a) => a.startsWith('--json='))?.slice(7);

const benches = ['bundle-size', 'cold-import', 'sse-throughput', 'request-overhead', 'upload-memory', 'concurrent-streams', 'mcp'].filter((b) => !only || only.includes(b));

function run(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    // tsx as a loader of a plain node process; benches bundle their measured part for plain node.
    const child = spawn(process.execPath, ['--import', 'tsx', `bench/${name}.bench.ts`, ...(quick ? ['--quick'] : [])], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let result;
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      buffer += text;
      let nl;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('BENCH_RESULT ')) result = JSON.parse(line.slice('BENCH_RESULT '.length));
        else process.stderr.write(`  [${name}] ${line}\n`);
      }
    });
    child.on('close', (code) => {
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(`  [${name}] done in ${seconds.toFixed(0)} s${code ? ` (exit ${code})` : ''}\n`);
      resolve(result && code === 0 ? { ...result, seconds } : { bench: name, failed: `exit ${code}${result ? '' : ', no BENCH_RESULT'}`, rows: [], seconds });
    });
  });
}

const started = Date.now();
const load0 = loadavg()[0];
process.stderr.write(`nemovideo bench${quick ? ' (quick)' : ''}: node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load ${load0.toFixed(2)}\n`);
const results = [];
for (const name of benches) {
  process.stderr.write(`running ${name}…\n`);
  results.push(await run(name));
}
const minutes = (Date.now() - started) / 60_000;

const cell = (s) => String(s).replaceAll('|', '\\|');
const ratio = (r) => (r === null || r === undefined ? '—' : `${r.toFixed(2)}×`);
const met = (m) => (m === null || m === undefined ? '—' : m ? 'yes' : '**NO**');
const lines = ['| metric | nemovideo | baseline | ratio | target | met? |', '|---|---|---|---|---|---|'];
for (const result of results) {
  if (result.failed) lines.push(`| ${result.bench}: FAILED (${cell(result.failed)}) | | | | | **NO** |`);
  for (const row of result.rows) lines.push(`| ${cell(row.metric)} | ${cell(row.nemovideo)} | ${cell(row.baseline)} | ${ratio(row.ratio)} | ${cell(row.target)} | ${met(row.met)} |`);
}
const rows = results.flatMap((r) => r.rows);
const missed = rows.filter((r) => r.met === false).length + results.filter((r) => r.failed).length;
console.log('');
console.log(lines.join('\n'));
console.log('');
console.log(
  `node ${process.version}, ${availableParallelism()} cores, load average ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}; ${minutes.toFixed(1)} min${quick ? ' (--quick)' : ''}; ` +
    `${rows.filter((r) => r.met === true).length} targets met, ${missed} missed`,
);
for (const result of results) if (result.setup) console.log(`- ${result.bench}: ${result.setup}`);

if (jsonOut) {
  writeFileSync(jsonOut, `${JSON.stringify({ node: process.version, cores: availableParallelism(), cpu: cpus()[0]?.model, quick, minutes, load: [load0, loadavg()[0]], results }, null, 2)}\n`);
}
if (results.some((r) => r.failed)) process.exitCode = 1;
