/**
 * SSE decoding throughput: ChatStream against bare eventsource-parser + JSON.parse and against
 * openai's own stream decoder, in one run. Run: `npx tsx bench/sse-throughput.bench.ts [MB=50]
 * [rounds=21] [--quick]` (Node 24). Not a test.
 *
 * The body is ~50 MB made of the captured ADK streams (test/fixtures/adk-sse) played again and
 * again, each partial text frame repeated 20 times: a long `"streaming": true` answer is mostly
 * deltas, with one whole event per turn. It is cut into 16 KiB chunks, like socket reads, and
 * served from memory by a `ReadableStream` inside a `Response`.
 * - baseline: `createParser` fed through a streaming `TextDecoder`, plus `JSON.parse` of each frame;
 * - eventsource-parser's stream API (`TextDecoderStream` + `EventSourceParserStream`), for scale;
 * - openai's `Stream.fromSSEResponse` (openai/core/streaming), which also JSON-parses each frame;
 * - a floor for any typed async-iterable API: the same parser, the ADK decoding ChatStream does and
 *   a minimal queue + async iterator with the same backpressure (no watchdogs, no result kept).
 * The measuring runs in a child process: plain `node --expose-gc` on an esbuild bundle of this
 * file (ChatStream from src, as tsup builds it). Each round runs every decoder once, in an order
 * reversed every round, after a GC; round 0 warms up and is not counted. A ratio is the median
 * over rounds of the per-round ratio (baseline time / our time: above 1 is faster than it).
 * Targets: ChatStream (for await) ≥ 0.90× the baseline; faster than openai's decoder.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { Stream as OpenAIStream } from 'openai/core/streaming';
import { decodeAdkEvent, parseAdkData } from '../src/decoders/adk.js';
import { ChatStream } from '../src/resources/chat-stream.js';
import { args, bundleForNode, median, quick, report, type BenchRow } from './lib.js';

const chunkSize = 16 * 1024;
const deltasPerFrame = 20;

type Runner = (stream: () => ReadableStream<Uint8Array>) => Promise<number>;

const runners: Record<string, Runner> = {
  'eventsource-parser + JSON.parse': async (bodyStream) => {
    let count = 0;
    const parser = createParser({
      onEvent(event) {
        JSON.parse(event.data);
        count++;
      },
    });
    const decoder = new TextDecoder();
    const reader = bodyStream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    return count;
  },
  // The floor of any typed async-iterable API on the same parser: the ADK decoding ChatStream
  // does (src/decoders/adk.ts), a queue with the same backpressure and a minimal async iterator.
  'floor: parser + ADK decode + for await': async (bodyStream) => {
    const queue: unknown[] = [];
    let head = 0;
    let waiter: ((step: IteratorResult<unknown>) => void) | undefined;
    let drained: (() => void) | undefined;
    let ended = false;
    const parser = createParser({
      onEvent(event) {
        for (const value of decodeAdkEvent(parseAdkData(event.data))) {
          if (waiter === undefined) queue.push(value);
          else {
            const w = waiter;
            waiter = undefined;
            w({ value, done: false });
          }
        }
      },
    });
    void (async () => {
      const decoder = new TextDecoder();
      const reader = bodyStream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
        if (queue.length - head > 64) await new Promise<void>((resolve) => (drained = resolve));
      }
      ended = true;
      waiter?.({ value: undefined, done: true });
    })();
    const iterable: AsyncIterable<unknown> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          if (head < queue.length) {
            const value = queue[head++];
            if (head === queue.length) {
              queue.length = head = 0;
              const d = drained;
              drained = undefined;
              d?.();
            }
            return Promise.resolve({ value, done: false });
          }
          if (ended) return Promise.resolve({ value: undefined, done: true });
          return new Promise<IteratorResult<unknown>>((resolve) => (waiter = resolve));
        },
      }),
    };
    let count = 0;
    for await (const _event of iterable) count++;
    return count;
  },
  'ChatStream (for await)': async (bodyStream) => {
    const stream = new ChatStream({ sessionId: 'bench', open: () => Promise.resolve(sseResponse(bodyStream())) });
    let count = 0;
    for await (const _event of stream) count++;
    await stream.finalResult();
    return count;
  },
  'ChatStream (finalResult only)': async (bodyStream) => {
    const stream = new ChatStream({ sessionId: 'bench', open: () => Promise.resolve(sseResponse(bodyStream())) });
    return (await stream.finalResult()).events.length;
  },
  'eventsource-parser stream API': async (bodyStream) => {
    let count = 0;
    const text = new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>;
    for await (const event of bodyStream().pipeThrough(text).pipeThrough(new EventSourceParserStream())) {
      JSON.parse(event.data);
      count++;
    }
    return count;
  },
  'openai Stream.fromSSEResponse': async (bodyStream) => {
    let count = 0;
    for await (const _ of OpenAIStream.fromSSEResponse(sseResponse(bodyStream()), new AbortController())) count++;
    return count;
  },
};

const sseResponse = (body: ReadableStream<Uint8Array>) => new Response(body, { headers: { 'content-type': 'text/event-stream' } });

async function child(fixtures: string, targetMB: number, rounds: number): Promise<void> {
  const streams = readdirSync(fixtures)
    .filter((name) => name.endsWith('.sse') && name !== 'error_unhandled.sse')
    .sort()
    .map((name) => readFileSync(join(fixtures, name), 'utf8'));
  const round = streams
    .flatMap((text) => text.split('\n\n').filter(Boolean))
    .map((frame) => `${frame}\n\n`.repeat(frame.includes('"partial":true') ? deltasPerFrame : 1))
    .join('');
  const body = new TextEncoder().encode(round.repeat(Math.ceil((targetMB * 1024 * 1024) / round.length)));
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < body.length; i += chunkSize) chunks.push(body.slice(i, i + chunkSize));
  const bodyStream = () => {
    let i = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks[i++];
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
  };
  const names = Object.keys(runners);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const counts: Record<string, number> = {};
  for (let r = -1; r < rounds; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      globalThis.gc?.();
      const start = performance.now();
      counts[name] = await runners[name]!(bodyStream);
      if (r >= 0) times[name]!.push(performance.now() - start);
    }
  }
  console.log(JSON.stringify({ mb: body.length / 1024 / 1024, chunks: chunks.length, times, counts }));
}

async function main(): Promise<void> {
  const targetMB = Number(args[0] ?? (quick ? 20 : 50));
  const rounds = Number(args[1] ?? (quick ? 5 : 21));
  const dir = await mkdtemp(join(tmpdir(), 'nemovideo-bench-'));
  try {
    const script = await bundleForNode(new URL(import.meta.url), join(dir, 'sse-child.mjs'));
    const fixtures = new URL('../test/fixtures/adk-sse/', import.meta.url).pathname;
    const out = execFileSync(process.execPath, ['--expose-gc', script, 'child', fixtures, String(targetMB), String(rounds)], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const { mb, chunks, times, counts } = JSON.parse(out.trim().split('\n').pop()!) as {
      mb: number;
      chunks: number;
      times: Record<string, number[]>;
      counts: Record<string, number>;
    };
    const base = times['eventsource-parser + JSON.parse']!;
    // Per-round ratio of baseline time to this decoder's time, then the median over rounds.
    const ratio = (name: string, against = base) => median(times[name]!.map((t, i) => against[i]! / t));
    const rate = (name: string) => `${(mb / (median(times[name]!) / 1000)).toFixed(0)} MB/s`;
    console.log(`body: ${mb.toFixed(1)} MB in ${chunks} chunks of 16 KiB, partial frames ×${deltasPerFrame}; ${rounds} rounds (medians)`);
    for (const name of Object.keys(times)) {
      console.log(`  ${name.padEnd(40)} ${rate(name).padStart(10)}  ${ratio(name).toFixed(2)}× baseline  (${counts[name]} events)`);
    }
    // The reference ("SSE decode vs eventsource-parser stream + JSON.parse", 1.00×; docs/performance.md) is the
    // parser's stream API; the targets apply to it. The faster createParser().feed() form (FACTS:
    // 1.16×) is reported beside it as the stricter floor.
    const streamApi = times['eventsource-parser stream API']!;
    const esp = `${rate('eventsource-parser stream API')} (esp stream API + JSON.parse, the 1.00× reference)`;
    const feed = `${rate('eventsource-parser + JSON.parse')} (esp createParser().feed() + JSON.parse)`;
    const forAwait = ratio('ChatStream (for await)', streamApi);
    const final = ratio('ChatStream (finalResult only)', streamApi);
    const openai = times['openai Stream.fromSSEResponse']!;
    const vsOpenAI = ratio('ChatStream (for await)', openai);
    const rows: BenchRow[] = [
      { metric: 'SSE decode, ChatStream for await', nemovideo: rate('ChatStream (for await)'), baseline: esp, ratio: forAwait, target: '≥ 0.90×', met: forAwait >= 0.9 },
      { metric: 'SSE decode, ChatStream finalResult() only', nemovideo: rate('ChatStream (finalResult only)'), baseline: esp, ratio: final, target: '≥ 0.90×', met: final >= 0.9 },
      { metric: 'SSE decode, ChatStream for await vs the feed() floor', nemovideo: rate('ChatStream (for await)'), baseline: feed, ratio: ratio('ChatStream (for await)'), target: 'report', met: null },
      { metric: 'SSE decode, ChatStream finalResult() vs the feed() floor', nemovideo: rate('ChatStream (finalResult only)'), baseline: feed, ratio: ratio('ChatStream (finalResult only)'), target: 'report', met: null },
      { metric: 'SSE decode, floor: parser + ADK decode + bare for-await iterator', nemovideo: rate('floor: parser + ADK decode + for await'), baseline: feed, ratio: ratio('floor: parser + ADK decode + for await'), target: 'report', met: null },
      { metric: 'SSE decode, ChatStream for await vs openai', nemovideo: rate('ChatStream (for await)'), baseline: `${rate('openai Stream.fromSSEResponse')} (openai Stream)`, ratio: vsOpenAI, target: '> 1.00×', met: vsOpenAI > 1 },
    ];
    report({
      bench: 'sse-throughput',
      setup: `${mb.toFixed(1)} MB ADK stream (fixtures, partial frames ×${deltasPerFrame}) in 16 KiB chunks from memory; ${rounds} alternating rounds in node --expose-gc; ratio = median per-round speed ratio`,
      rows,
      details: {
        mbPerS: Object.fromEntries(Object.keys(times).map((n) => [n, mb / (median(times[n]!) / 1000)])),
        ratioToBaseline: Object.fromEntries(Object.keys(times).map((n) => [n, ratio(n)])),
        counts,
      },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
else await main();
