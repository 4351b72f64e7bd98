/**
 * Cold start: `import()` of each package in a fresh `node` process, minus a bare `node -e 0`
 * measured in the same rounds; and, since nemovideo defers loading ky and zod to its first call,
 * import + first JSON call to a loopback server, nemovideo against openai. Run:
 * `npx tsx bench/cold-import.bench.ts [runs] [--quick]` (Node 24; after `npm run build`:
 * nemovideo is imported by name, which resolves to its built `dist/` through the package's own
 * `exports`). Not a test.
 *
 * Every round spawns, in a rotated order, `node -e 0`, `node -e "import('<pkg>')…"` for each
 * package and the two first-call scripts, timing each process from spawn to exit. A figure is
 * the median over the rounds of (that process's time − the round's `node -e 0` time).
 * Target: nemovideo's cold import no slower than openai's.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { args, median, quick, report, type BenchRow } from './lib.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(args[0] ?? (quick ? 9 : 31));
const packages = ['nemovideo', 'openai', '@fal-ai/client', '@google/genai', '@runwayml/sdk', 'replicate', 'ky', 'eventsource-parser', 'zod/mini'];
const fail = `(e) => { console.error(e); process.exit(1); }`;
const firstCalls: Record<string, string> = {
  'nemovideo first call': `import('nemovideo').then(({ NemoVideo }) => new NemoVideo({ token: 'nmv_usr_bench', baseURL: process.env.URL }).credits.balance()).then(() => {}, ${fail})`,
  'openai first call': `import('openai').then(({ default: OpenAI }) => new OpenAI({ apiKey: 'k', baseURL: process.env.URL }).models.list()).then(() => {}, ${fail})`,
  'fetch first call': `fetch(process.env.URL + '/api/credits/balance/simple').then((r) => r.json()).then(() => {}, ${fail})`,
};
const scripts: Record<string, string> = {
  'node -e 0': '0',
  ...Object.fromEntries(packages.map((p) => [p, `import(${JSON.stringify(p)}).then(() => {}, ${fail})`])),
  ...firstCalls,
};
const variants = Object.keys(scripts);

async function main(): Promise<void> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.url?.includes('/credits/') ? '{"code":0,"data":{"available":80,"frozen":20,"total":100}}' : '{"object":"list","data":[]}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const env = { ...process.env, URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  // Async spawn: the loopback server above answers while the child runs.
  const time = (variant: string) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      execFile(process.execPath, ['-e', scripts[variant]!], { cwd: root, env }, (error, _out, stderr) => {
        const ms = performance.now() - started;
        if (error) reject(new Error(`${variant} failed: ${stderr}`));
        else resolve(ms);
      });
    });
  try {
    for (const v of variants) await time(v); // warm the file system cache
    const ms = new Map<string, number[]>(variants.map((v) => [v, []]));
    for (let round = 0; round < runs; round++) {
      // Rotate the order every round so no package always runs right after the baseline.
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
      if (round % 2 === 1) order.reverse();
      for (const v of order) ms.get(v)!.push(await time(v));
    }
    const base = ms.get('node -e 0')!;
    const cold = (v: string) => median(ms.get(v)!.map((t, i) => t - base[i]!));
    console.log(`cold start in a fresh node ${process.version} process minus node -e 0 (median of ${runs} rounds)`);
    console.log(`  node -e 0 ${median(base).toFixed(1)} ms`);
    for (const v of variants.slice(1)) console.log(`  ${v.padEnd(22)} +${cold(v).toFixed(1)} ms`);

    const ours = cold('nemovideo');
    const rows: BenchRow[] = ['openai', '@fal-ai/client', '@google/genai', '@runwayml/sdk', 'replicate'].map((peer) => {
      const isTarget = peer === 'openai';
      return {
        metric: `cold import() vs ${peer}`,
        nemovideo: `+${ours.toFixed(1)} ms`,
        baseline: `+${cold(peer).toFixed(1)} ms`,
        ratio: ours / cold(peer),
        target: isTarget ? '≤ 1.00×' : 'report',
        met: isTarget ? ours <= cold(peer) : null,
      };
    });
    const first = cold('nemovideo first call');
    rows.push(
      { metric: 'cold import + first JSON call vs openai', nemovideo: `+${first.toFixed(1)} ms`, baseline: `+${cold('openai first call').toFixed(1)} ms`, ratio: first / cold('openai first call'), target: 'report', met: null },
      { metric: 'cold import + first JSON call vs bare fetch', nemovideo: `+${first.toFixed(1)} ms`, baseline: `+${cold('fetch first call').toFixed(1)} ms`, ratio: first / cold('fetch first call'), target: 'report', met: null },
    );
    report({
      bench: 'cold-import',
      setup: `fresh node process per import (spawn to exit), minus node -e 0 in the same round; median of ${runs} rotated rounds; first call = one GET to a loopback server`,
      rows,
      details: { nodeE0Ms: median(base), coldMs: Object.fromEntries(variants.slice(1).map((v) => [v, cold(v)])) },
    });
  } finally {
    server.close();
  }
}

await main();
