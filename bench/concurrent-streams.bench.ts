/**
 * Many chat streams at once: 1,000 `chat.send()` streams open together in one Node process
 * against a loopback `node:http` server, which sends each three ADK events, keeps all of them
 * idle, then sends two more and ends them. Baseline: 1,000 bare `fetch` streams read with
 * `body.getReader()` (frames counted on `\n\n`, nothing decoded). Run:
 * `npx tsx bench/concurrent-streams.bench.ts [streams=1000] [rounds=3] [--quick]` (Node 24).
 *
 * Each run is a fresh child process (plain `node --expose-gc` on an esbuild bundle of this file;
 * the server stays in the parent so its memory is not counted). The child opens one stream
 * first (warm-up: ky, undici, the schemas loaded), collects garbage and reads `heapUsed`; opens
 * all the streams, waits until each has its first three events, lets them idle, collects garbage
 * again and reads `heapUsed`: the difference divided by the number of streams is the heap each
 * idle stream holds. Then the server finishes every stream and the child checks that each one
 * received all five events (and, for the SDK, that `finalResult()` resolved). Rounds alternate
 * SDK and bare; medians are reported.
 * Targets: no event lost; heap per idle SDK stream ≤ 50 KB.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NemoVideo } from '../src/index.js';
import { args, bundleForNode, median, quick, report } from './lib.js';

const KiB = 1024;
const first = 3; // events sent before the idle phase
const total = 5; // events in all

// One ADK event per frame; each decodes to one ChatEvent.
function frame(i: number, session: string): string {
  const base = { invocationId: `e-${session}`, author: 'nemo_agent', id: `ev${i}`, timestamp: 1795610516463 + i };
  const events = [
    { ...base, partial: true, content: { role: 'model', parts: [{ text: 'Working on ' }] } },
    { ...base, partial: true, content: { role: 'model', parts: [{ text: 'your coffee ad.' }] } },
    { ...base, content: { role: 'model', parts: [{ functionCall: { id: `call-${session}`, name: 'generate_video', args: { prompt: 'a coffee ad', duration: 30 } } }] } },
    { ...base, content: { role: 'user', parts: [{ functionResponse: { id: `call-${session}`, name: 'generate_video', response: { status: 'ok' } } }] } },
    { ...base, content: { role: 'model', parts: [{ text: 'Working on your coffee ad. Done: a 30-second draft is ready.' }] } },
  ];
  return `data: ${JSON.stringify(events[i])}\n\n`;
}

interface Sample {
  variant: string;
  streams: number;
  heapPerStreamKiB: number;
  rssPerStreamKiB: number;
  openMs: number;
  events: number;
  lost: number;
  finalResults: number;
}

const token = 'nmv_usr_bench0000';

async function child(variant: string, url: string, n: number): Promise<void> {
  const nemo = new NemoVideo({ token, baseURL: url });
  const body = (session: string) => JSON.stringify({ app_name: 'nemo_agent', user_id: 'me', session_id: session, new_message: { parts: [{ text: 'hi' }] }, streaming: true });
  // Resolves with the events of one stream; calls `onFirst` once `first` have arrived.
  const open: (session: string, onFirst: () => void) => Promise<{ events: number; final: boolean }> =
    variant === 'sdk'
      ? async (session, onFirst) => {
          const stream = nemo.chat.send(session, 'hi', { partialText: true });
          let events = 0;
          for await (const _event of stream) if (++events === first) onFirst();
          const result = await stream.finalResult();
          return { events, final: result.events.length === total - 2 }; // whole events only
        }
      : async (session, onFirst) => {
          const res = await fetch(`${url}/run_sse`, {
            method: 'POST',
            body: body(session),
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
          });
          const reader = res.body!.getReader();
          let events = 0;
          let lastLF = false;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            for (const byte of value) {
              if (byte === 10 && lastLF && ++events === first) onFirst();
              lastLF = byte === 10;
            }
          }
          return { events, final: true };
        };
  const gc = () => {
    for (let i = 0; i < 3; i++) globalThis.gc!();
  };
  await open('warm', () => {});
  await new Promise((r) => setTimeout(r, 100));
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  const started = performance.now();
  const firsts: Promise<void>[] = [];
  const dones: Promise<{ events: number; final: boolean }>[] = [];
  for (let i = 0; i < n; i++) {
    let onFirst!: () => void;
    firsts.push(new Promise<void>((r) => (onFirst = r)));
    dones.push(open(`s${i}`, onFirst));
  }
  await Promise.all(firsts);
  const openMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 300)); // idle
  gc();
  const heap1 = process.memoryUsage().heapUsed;
  const rss1 = process.memoryUsage().rss;
  process.send!({ finish: true });
  const results = await Promise.all(dones);
  const events = results.reduce((a, r) => a + r.events, 0);
  const sample: Sample = {
    variant,
    streams: n,
    heapPerStreamKiB: (heap1 - heap0) / n / KiB,
    rssPerStreamKiB: (rss1 - rss0) / n / KiB,
    openMs,
    events,
    lost: n * total - events,
    finalResults: results.filter((r) => r.final).length,
  };
  process.send!({ sample });
}

async function main(): Promise<void> {
  const n = Number(args[0] ?? 1000);
  const rounds = Number(args[1] ?? (quick ? 1 : 3));
  const waiting = new Set<{ res: ServerResponse; session: string }>();
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const session = (JSON.parse(text) as { session_id: string }).session_id;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (let i = 0; i < first; i++) res.write(frame(i, session));
      if (session === 'warm') finish({ res, session });
      else waiting.add({ res, session });
    });
  });
  const finish = ({ res, session }: { res: ServerResponse; session: string }) => {
    for (let i = first; i < total; i++) res.write(frame(i, session));
    res.end();
  };
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'nemovideo-bench-'));
  try {
    const script = await bundleForNode(new URL(import.meta.url), join(dir, 'streams-child.mjs'));
    const samples: Sample[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const variant of round % 2 === 0 ? ['sdk', 'bare'] : ['bare', 'sdk']) {
        const proc = fork(script, ['child', variant, url, String(n)], { execArgv: ['--expose-gc'] });
        const sample = await new Promise<Sample>((resolve, reject) => {
          proc.on('message', (m: { finish?: boolean; sample?: Sample }) => {
            if (m.finish) {
              for (const w of waiting) finish(w);
              waiting.clear();
            }
            if (m.sample) resolve(m.sample);
          });
          proc.on('exit', (code) => (code ? reject(new Error(`${variant} child exited with ${code}`)) : undefined));
        });
        await once(proc, 'exit');
        samples.push(sample);
        console.log(`  ${variant.padEnd(4)} heap ${sample.heapPerStreamKiB.toFixed(1)} KiB/stream, RSS ${sample.rssPerStreamKiB.toFixed(1)} KiB/stream, all open in ${sample.openMs.toFixed(0)} ms, events lost ${sample.lost}`);
      }
    }
    const of = (v: string) => samples.filter((s) => s.variant === v);
    const sdk = median(of('sdk').map((s) => s.heapPerStreamKiB));
    const bare = median(of('bare').map((s) => s.heapPerStreamKiB));
    const lost = samples.reduce((a, s) => a + s.lost, 0);
    const unresolved = of('sdk').reduce((a, s) => a + (s.streams - s.finalResults), 0);
    console.log(`${n} concurrent streams, ${rounds} runs each (medians): SDK ${sdk.toFixed(1)} KiB, bare fetch ${bare.toFixed(1)} KiB per idle stream; events lost ${lost}`);
    report({
      bench: 'concurrent-streams',
      setup: `${n} simultaneous streams in one process against a loopback node:http server (3 events, idle, 2 more); heapUsed delta after GC / ${n}; ${rounds} fresh-process runs each, alternating`,
      rows: [
        { metric: `heap per idle stream (${n} open)`, nemovideo: `${sdk.toFixed(1)} KiB`, baseline: `${bare.toFixed(1)} KiB (bare fetch + reader)`, ratio: sdk / bare, target: '≤ 50 KiB', met: sdk <= 50 },
        { metric: `events lost (${n} streams × ${total} events)`, nemovideo: String(of('sdk').reduce((a, s) => a + s.lost, 0) + unresolved), baseline: String(of('bare').reduce((a, s) => a + s.lost, 0)), ratio: null, target: '0', met: lost === 0 && unresolved === 0 },
      ],
      details: { samples },
    });
  } finally {
    server.close();
    server.closeAllConnections();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
else await main();
