/**
 * Upload memory and speed: `uploads.create(fileFromPath(…))` against a bare streamed `fetch` of
 * the same file (`duplex: 'half'`, `redirect: 'error'`), both to one loopback server that drains
 * the body. Run: `npx tsx bench/upload-memory.bench.ts [MB=500] [rounds=5] [--quick]` (Node 24;
 * `--quick`: 200 MB, 1 round). Not part of the test suite.
 *
 * Each upload runs in a fresh child process (plain `node` on an esbuild bundle of this file), so
 * its RSS growth (peak during the upload minus the RSS after a small warm-up upload and a GC) is
 * its own. The file is read once before the first run, so no run pays for filling the page
 * cache. Rounds alternate SDK and bare; medians are shown, and the worst SDK growth is the one
 * held to the target.
 * Targets: growth ≤ 64 MB, SDK throughput ≥ 0.85× bare.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, openAsBlob } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NemoVideoCore, Uploads, type UploadInput } from '../src/index.js';
import { fileFromPath } from '../src/node/index.js';
import { args, bundleForNode, median, quick, report } from './lib.js';

const MiB = 1024 * 1024;

interface Sample {
  variant: string;
  bytes: number;
  ms: number;
  growthMB: number;
}

async function child(variant: string, url: string, path: string): Promise<void> {
  const uploads = new Uploads(new NemoVideoCore({ token: 'nmv_usr_bench0000', baseURL: url }));
  const bare = async (body: ReadableStream<Uint8Array>) => {
    const res = await fetch(`${url}/bare`, { method: 'POST', body, duplex: 'half', redirect: 'error' } as RequestInit);
    await res.text();
  };
  const sdk = async (file: UploadInput) => {
    await uploads.create('bench', { files: [file] });
  };
  // Warm-up: load fetch, ky and the SDK, and open one connection, before the baseline.
  const small = new Blob([new Uint8Array(MiB)]);
  if (variant === 'sdk') await sdk({ data: small, name: 'warm.mp4' });
  else await bare(small.stream());
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const started = performance.now();
  let bytes: number;
  if (variant === 'sdk') {
    const file = await fileFromPath(path);
    bytes = file.size ?? 0;
    await sdk(file);
  } else {
    const blob = await openAsBlob(path);
    bytes = blob.size;
    await bare(blob.stream());
  }
  const ms = performance.now() - started;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const sample: Sample = { variant, bytes, ms, growthMB: (peak - base) / MiB };
  process.send!(sample);
}

async function run(script: string, variant: string, url: string, path: string): Promise<Sample> {
  const proc = fork(script, ['child', variant, url, path], { execArgv: ['--expose-gc'] });
  const [sample] = (await once(proc, 'message')) as [Sample];
  await once(proc, 'exit');
  return sample;
}

async function main(): Promise<void> {
  const sizeMB = Number(args[0] ?? (quick ? 200 : 500));
  const rounds = Number(args[1] ?? (quick ? 1 : 5));
  const dir = await mkdtemp(join(tmpdir(), 'nemovideo-bench-'));
  const path = join(dir, 'big.mp4');
  const handle = await open(path, 'w');
  await handle.truncate(sizeMB * MiB); // sparse: instant, and read back as zeros
  await handle.close();
  // Read the file once first: otherwise the first upload (always the SDK's) alone fills the page
  // cache and ran at under half the speed of the others.
  for await (const _chunk of createReadStream(path, { highWaterMark: 4 * MiB })) void _chunk;
  let received = 0;
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => (received += c.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 0, data: { files: [{ filename: 'big.mp4', file_type: 'video', cdn_url: 'https://cdn.test/big.mp4' }], session_state_applied: true } }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    // Children run a bundle of this file under plain `node`: the SDK as users run it, without tsx's
    // loader thread in the process being measured.
    const script = await bundleForNode(new URL(import.meta.url), join(dir, 'upload-child.mjs'));
    const samples: Sample[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const variant of round % 2 === 0 ? ['sdk', 'bare'] : ['bare', 'sdk']) samples.push(await run(script, variant, url, path));
    }
    const stats = (variant: string) => {
      const s = samples.filter((x) => x.variant === variant);
      return { mbps: median(s.map((x) => x.bytes / MiB / (x.ms / 1000))), growth: median(s.map((x) => x.growthMB)), maxGrowth: Math.max(...s.map((x) => x.growthMB)) };
    };
    const sdk = stats('sdk');
    const bare = stats('bare');
    const ratio = sdk.mbps / bare.mbps;
    console.log(`upload of ${sizeMB} MiB from disk to a loopback server, ${rounds} runs each (medians; fresh process per run)`);
    console.log(`  bare fetch       ${bare.mbps.toFixed(0).padStart(5)} MB/s   RSS growth ${bare.growth.toFixed(1)} MB (max ${bare.maxGrowth.toFixed(1)})`);
    console.log(`  uploads.create   ${sdk.mbps.toFixed(0).padStart(5)} MB/s   RSS growth ${sdk.growth.toFixed(1)} MB (max ${sdk.maxGrowth.toFixed(1)})`);
    console.log(`  throughput ratio ${ratio.toFixed(2)}× (target ≥ 0.85×: ${ratio >= 0.85 ? 'met' : 'MISSED'})`);
    console.log(`  SDK RSS growth   ${sdk.maxGrowth.toFixed(1)} MB worst run (target ≤ 64 MB: ${sdk.maxGrowth <= 64 ? 'met' : 'MISSED'})`);
    console.log(`  server received ${(received / MiB).toFixed(0)} MiB in total`);
    report({
      bench: 'upload-memory',
      setup: `${sizeMB} MiB sparse file to a loopback server, fresh process per upload, ${rounds} alternating runs each; RSS growth = peak (sampled every 5 ms) − RSS after warm-up and GC`,
      rows: [
        { metric: `upload ${sizeMB} MiB: throughput`, nemovideo: `${sdk.mbps.toFixed(0)} MB/s`, baseline: `${bare.mbps.toFixed(0)} MB/s (streamed fetch)`, ratio, target: '≥ 0.85×', met: ratio >= 0.85 },
        { metric: `upload ${sizeMB} MiB: RSS growth (worst run)`, nemovideo: `${sdk.maxGrowth.toFixed(1)} MB`, baseline: `${bare.maxGrowth.toFixed(1)} MB (streamed fetch)`, ratio: sdk.maxGrowth / bare.maxGrowth, target: '≤ 64 MB', met: sdk.maxGrowth <= 64 },
      ],
      details: { samples },
    });
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
else await main();
