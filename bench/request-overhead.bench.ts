/**
 * Per-request overhead: N sequential `credits.balance()` calls against N bare `fetch` +
 * `JSON.parse` calls (same headers) to one loopback server, and against ky alone configured as
 * the SDK configures it (same instance options, the same per-call timeout and retry options, a
 * `beforeRequest` hook setting the token), which shows how much of the overhead is ky's own.
 * Run: `npx tsx bench/request-overhead.bench.ts [N] [rounds] [--quick]` (Node 24; N calls per
 * variant and round, default 250; rounds default 80, 24 with `--quick`). Not a test.
 *
 * The calls run in a child process (plain `node` on an esbuild bundle of this file: the SDK
 * from src, as tsup builds it). After a warm-up, many short rounds (N calls per variant each)
 * rotate the three variants, so the variants of one round meet the same machine load; a ratio
 * is the median over rounds of the per-round ratio of times, and the SDK's own cost is the
 * median over rounds of its per-call difference to ky (the machines are shared and noisy: short
 * paired rounds keep a load spike from landing on one variant only).
 * Targets: the SDK's own cost over ky alone with the same options ≤ 1.05× and ≤ 25 µs a call;
 * the ratio to a bare fetch is reported, split into ky's share and the SDK's.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ky from 'ky';
import { NemoVideo } from '../src/index.js';
import { args, bundleForNode, median, quick, report } from './lib.js';

const token = 'nmv_usr_bench0000';
const balancePath = '/api/credits/balance/simple';
const names = ['sdk', 'ky', 'bare'] as const;
type Name = (typeof names)[number];

async function child(url: string, n: number, rounds: number): Promise<void> {
  const nemo = new NemoVideo({ token, baseURL: url, attribution: { source: 'bench', version: '0', platform: 'unknown' } });
  const headers = { authorization: `Bearer ${token}`, 'x-skill-source': 'bench', 'x-skill-version': '0', 'x-skill-platform': 'unknown' };
  // ky alone, with the options src/core/transport.ts passes it (no error mapping, no envelope).
  const api = ky.create({
    baseUrl: `${url}/`,
    fetch: (input, init) => globalThis.fetch(input, init),
    headers: { 'x-skill-source': 'bench', 'x-skill-version': '0', 'x-skill-platform': 'unknown' },
    throwHttpErrors: true,
    hooks: { beforeRequest: [({ request }) => void request.headers.set('authorization', `Bearer ${token}`)] },
  });
  const variants: Record<Name, () => Promise<unknown>> = {
    sdk: () => nemo.credits.balance(),
    ky: async () => {
      const res = await api(balancePath.slice(1), {
        method: 'GET',
        timeout: 60_000,
        context: { call: {} },
        retry: { limit: 4, methods: ['get'], statusCodes: [], backoffLimit: Number.POSITIVE_INFINITY, delay: () => 0, jitter: (ms) => ms, shouldRetry: () => false },
      });
      const body = JSON.parse(await res.text()) as { code: number; data: unknown };
      if (body.code !== 0) throw new Error('bad answer');
      return body.data;
    },
    bare: async () => {
      const res = await fetch(`${url}${balancePath}`, { headers });
      const body = JSON.parse(await res.text()) as { code: number; data: unknown };
      if (!res.ok || body.code !== 0) throw new Error('bad answer');
      return body.data;
    },
  };
  // Wall time, and this process's CPU time (user + system: the client's own work, without the
  // server's, which runs in the parent), in ms.
  const time = async (call: () => Promise<unknown>, count: number): Promise<[number, number]> => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < count; i++) await call();
    const { user, system } = process.cpuUsage(cpu);
    return [performance.now() - started, (user + system) / 1000];
  };
  for (const name of names) await time(variants[name], 1000); // warm-up: JIT, connections, lazy loads
  const ms: Record<Name, number[]> = { sdk: [], ky: [], bare: [] };
  const cpuMs: Record<Name, number[]> = { sdk: [], ky: [], bare: [] };
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    for (const name of round % 2 === 0 ? order : order.reverse()) {
      const [wall, cpu] = await time(variants[name], n);
      ms[name].push(wall);
      cpuMs[name].push(cpu);
    }
  }
  process.send!({ ms, cpuMs });
}

async function main(): Promise<void> {
  const n = Number(args[0] ?? 250);
  const rounds = Number(args[1] ?? (quick ? 24 : 80));
  const answer = JSON.stringify({ code: 0, data: { available: 80, frozen: 20, total: 100 } });
  const server = createServer((req, res) => {
    res.writeHead(req.url === balancePath ? 200 : 404, { 'content-type': 'application/json' });
    res.end(answer);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'nemovideo-bench-'));
  try {
    const script = await bundleForNode(new URL(import.meta.url), join(dir, 'request-child.mjs'));
    const proc = fork(script, ['child', url, String(n), String(rounds)], { execArgv: [] });
    const [{ ms, cpuMs }] = (await once(proc, 'message')) as [{ ms: Record<Name, number[]>; cpuMs: Record<Name, number[]> }];
    await once(proc, 'exit');
    const us = (name: Name) => (median(ms[name]) * 1000) / n;
    const ratio = (a: Name, b: Name) => median(ms[a].map((t, i) => t / ms[b][i]!));
    console.log(`${n} sequential JSON calls per variant and round on loopback, ${rounds} rounds (medians)`);
    console.log(`  bare fetch + JSON.parse      ${us('bare').toFixed(0).padStart(5)} µs/call`);
    console.log(`  ky alone, the SDK's options  ${us('ky').toFixed(0).padStart(5)} µs/call  ${ratio('ky', 'bare').toFixed(2)}× bare`);
    console.log(`  credits.balance()            ${us('sdk').toFixed(0).padStart(5)} µs/call  ${ratio('sdk', 'bare').toFixed(2)}× bare, ${ratio('sdk', 'ky').toFixed(2)}× ky`);
    const sdkKy = ratio('sdk', 'ky');
    const ownUs = median(ms.sdk.map((t, i) => t - ms.ky[i]!)) * 1000 / n;
    console.log(`  the SDK's own cost            ${ownUs.toFixed(1).padStart(5)} µs/call (ky's own: ${(us('ky') - us('bare')).toFixed(1)} µs)`);
    const cpuUs = (name: Name) => (median(cpuMs[name]) * 1000) / n;
    const cpuRatio = median(cpuMs.sdk.map((t, i) => t / cpuMs.ky[i]!));
    console.log(`  client CPU per call: SDK ${cpuUs('sdk').toFixed(0)} µs, ky ${cpuUs('ky').toFixed(0)} µs, bare ${cpuUs('bare').toFixed(0)} µs: SDK ${cpuRatio.toFixed(2)}× ky`);
    report({
      bench: 'request-overhead',
      setup: `${rounds} rotated rounds of ${n} sequential GET calls per variant to a loopback server (keep-alive), in one plain-node process; ratio = median per-round time ratio, own cost = median per-round difference`,
      rows: [
        { metric: 'JSON call: credits.balance() vs ky alone (SDK\'s options)', nemovideo: `${us('sdk').toFixed(0)} µs`, baseline: `${us('ky').toFixed(0)} µs (ky)`, ratio: sdkKy, target: '≤ 1.05×', met: sdkKy <= 1.05 },
        { metric: 'JSON call: the SDK\'s own µs over ky', nemovideo: `${ownUs.toFixed(1)} µs`, baseline: '0 µs (ky alone)', ratio: null, target: '≤ 25 µs', met: ownUs <= 25 },
        { metric: 'JSON call: credits.balance() vs bare fetch', nemovideo: `${us('sdk').toFixed(0)} µs`, baseline: `${us('bare').toFixed(0)} µs (fetch + JSON.parse)`, ratio: ratio('sdk', 'bare'), target: 'report', met: null },
        { metric: 'JSON call, client CPU time: credits.balance() vs ky alone', nemovideo: `${cpuUs('sdk').toFixed(0)} µs`, baseline: `${cpuUs('ky').toFixed(0)} µs (ky)`, ratio: cpuRatio, target: 'report', met: null },
        { metric: "JSON call: ky's share (ky alone vs bare fetch)", nemovideo: `${us('ky').toFixed(0)} µs (ky)`, baseline: `${us('bare').toFixed(0)} µs (fetch + JSON.parse)`, ratio: ratio('ky', 'bare'), target: 'report', met: null },
      ],
      details: { usPerCall: { sdk: us('sdk'), ky: us('ky'), bare: us('bare') }, cpuUsPerCall: { sdk: cpuUs('sdk'), ky: cpuUs('ky'), bare: cpuUs('bare') }, ms, cpuMs },
    });
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
else await main();
