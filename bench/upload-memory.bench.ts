/**
 * Upload speed and memory: `uploads.create(sessionId, { files: [fileFromPath(…)] })` against two
 * bare streamed `fetch`es of the same file (`duplex: 'half'`, `redirect: 'error'`), all to one
 * loopback `node:http` server that drains the body:
 * - `Readable.toWeb(fs.createReadStream(path))`, the fast baseline the target is held to;
 * - `(await openAsBlob(path)).stream()`, the file-backed Blob's own stream, reported beside it.
 * Run: `npx tsx bench/upload-memory.bench.ts [MB=500] [rounds=5] [--quick]` (Node 24; `--quick`:
 * 200 MB, 1 round). Not part of the test suite.
 *
 * The file holds real (non-zero, not sparse) bytes and is read once before the first run, so
 * every upload reads it from a warm page cache. Each upload runs in a fresh child process (plain
 * `node` on an esbuild bundle of this file), so its RSS growth (peak during the upload minus the
 * RSS after a small warm-up upload and a GC) is its own. Each round runs the three sides in a
 * rotated order; throughput compares medians, and the worst SDK growth is held to the target.
 * The server checks that every upload delivered the whole file.
 * Targets: SDK throughput ≥ 0.90× the createReadStream baseline; RSS growth ≤ 64 MB.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, openAsBlob } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { NemoVideoCore, Uploads, type UploadInput } from '../src/index.js';
import { fileFromPath } from '../src/node/index.js';
import { args, bundleForNode, median, quick, report } from './lib.js';

const MiB = 1024 * 1024;
const variants = ['sdk', 'read-stream', 'blob'] as const;
type Variant = (typeof variants)[number];
const labels: Record<Variant, string> = {
  sdk: 'uploads.create(fileFromPath)',
  'read-stream': 'fetch of Readable.toWeb(createReadStream)',
  blob: 'fetch of openAsBlob().stream()',
};

interface Sample {
  variant: Variant;
  bytes: number;
  ms: number;
  /** CPU time of the uploading process (user + system), which the load of other processes barely moves. */
  cpuMs: number;
  growthMB: number;
}

async function child(variant: Variant, url: string, path: string): Promise<void> {
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
  const cpu = process.cpuUsage();
  let bytes: number;
  if (variant === 'sdk') {
    const file = await fileFromPath(path);
    bytes = file.size ?? 0;
    await sdk(file);
  } else if (variant === 'read-stream') {
    bytes = (await stat(path)).size;
    await bare(Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>);
  } else {
    const blob = await openAsBlob(path);
    bytes = blob.size;
    await bare(blob.stream());
  }
  const ms = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const sample: Sample = { variant, bytes, ms, cpuMs: (user + system) / 1000, growthMB: (peak - base) / MiB };
  process.send!(sample);
}

async function run(script: string, variant: Variant, url: string, path: string): Promise<Sample> {
  const proc = fork(script, ['child', variant, url, path], { execArgv: ['--expose-gc'] });
  const [sample] = (await once(proc, 'message')) as [Sample];
  await once(proc, 'exit');
  return sample;
}

// A file of real bytes (a random MiB repeated), so reads come from the page cache, not holes.
async function writeFile(path: string, sizeMB: number): Promise<void> {
  const block = new Uint8Array(MiB);
  globalThis.crypto.getRandomValues(block.subarray(0, 65_536));
  for (let i = 65_536; i < MiB; i += 65_536) block.copyWithin(i, 0, 65_536);
  const handle = await open(path, 'w');
  try {
    for (let i = 0; i < sizeMB; i++) await handle.write(block);
  } finally {
    await handle.close();
  }
}

async function main(): Promise<void> {
  const sizeMB = Number(args[0] ?? (quick ? 200 : 500));
  const rounds = Number(args[1] ?? (quick ? 1 : 5));
  const dir = await mkdtemp(join(tmpdir(), 'nemovideo-bench-'));
  const path = join(dir, 'big.mp4');
  await writeFile(path, sizeMB);
  // Read the file once first: otherwise the first upload alone fills the page cache and runs at
  // under half the speed of the others.
  for await (const _chunk of createReadStream(path, { highWaterMark: 4 * MiB })) void _chunk;
  const received: number[] = [];
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      received.push(bytes);
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
      // Rotated: each side goes first, second and third equally often.
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
      for (const variant of order) {
        received.length = 0;
        const sample = await run(script, variant, url, path);
        // The warm-up upload, then the file: all of it, plus the multipart framing for the SDK.
        const sent = received.at(-1) ?? 0;
        if (sent < sample.bytes || sent > sample.bytes + 1024) throw new Error(`${variant}: the server received ${sent} bytes of a ${sample.bytes}-byte file`);
        samples.push(sample);
      }
    }
    const stats = (variant: Variant) => {
      const s = samples.filter((x) => x.variant === variant);
      return { mbps: median(s.map((x) => x.bytes / MiB / (x.ms / 1000))), cpu: median(s.map((x) => x.cpuMs / (x.bytes / MiB))), growth: median(s.map((x) => x.growthMB)), maxGrowth: Math.max(...s.map((x) => x.growthMB)) };
    };
    const sdk = stats('sdk');
    const readStream = stats('read-stream');
    const blob = stats('blob');
    const vsReadStream = sdk.mbps / readStream.mbps;
    const vsBlob = sdk.mbps / blob.mbps;
    console.log(`upload of ${sizeMB} MiB from disk (warm cache) to a loopback server, ${rounds} runs each (medians; fresh process per run)`);
    for (const [variant, s] of [['read-stream', readStream], ['blob', blob], ['sdk', sdk]] as const) {
      console.log(`  ${labels[variant].padEnd(42)} ${s.mbps.toFixed(0).padStart(5)} MiB/s   ${s.cpu.toFixed(2)} CPU ms/MiB   RSS growth ${s.growth.toFixed(1)} MB (max ${s.maxGrowth.toFixed(1)})`);
    }
    console.log(`  SDK / createReadStream  ${vsReadStream.toFixed(2)}× (target ≥ 0.90×: ${vsReadStream >= 0.9 ? 'met' : 'MISSED'})`);
    console.log(`  SDK / openAsBlob        ${vsBlob.toFixed(2)}×`);
    console.log(`  SDK RSS growth          ${sdk.maxGrowth.toFixed(1)} MB worst run (target ≤ 64 MB: ${sdk.maxGrowth <= 64 ? 'met' : 'MISSED'})`);
    const mb = (s: { mbps: number }) => `${s.mbps.toFixed(0)} MiB/s`;
    const growth = (s: { maxGrowth: number }) => `${s.maxGrowth.toFixed(1)} MB`;
    report({
      bench: 'upload-memory',
      setup: `${sizeMB} MiB file (real bytes, warm page cache) to a loopback server that drains it, fresh process per upload, ${rounds} rotated runs of each side; RSS growth = peak (sampled every 5 ms) − RSS after warm-up and GC`,
      rows: [
        { metric: `upload ${sizeMB} MiB: throughput`, nemovideo: mb(sdk), baseline: `${mb(readStream)} (fetch of createReadStream)`, ratio: vsReadStream, target: '≥ 0.90×', met: vsReadStream >= 0.9 },
        { metric: `upload ${sizeMB} MiB: throughput vs openAsBlob`, nemovideo: mb(sdk), baseline: `${mb(blob)} (fetch of openAsBlob().stream())`, ratio: vsBlob, target: 'report', met: null },
        { metric: `upload ${sizeMB} MiB: RSS growth (worst run)`, nemovideo: growth(sdk), baseline: `${growth(readStream)} (fetch of createReadStream)`, ratio: sdk.maxGrowth / readStream.maxGrowth, target: '≤ 64 MB', met: sdk.maxGrowth <= 64 },
        { metric: `upload ${sizeMB} MiB: RSS growth vs openAsBlob (worst run)`, nemovideo: growth(sdk), baseline: `${growth(blob)} (fetch of openAsBlob().stream())`, ratio: sdk.maxGrowth / blob.maxGrowth, target: 'report', met: null },
      ],
      details: { samples },
    });
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') await child(process.argv[3] as Variant, process.argv[4]!, process.argv[5]!);
else await main();
