/**
 * SSE decoding throughput: ChatStream against bare eventsource-parser + JSON.parse, in one run.
 * Run: `npx tsx bench/sse-throughput.bench.ts [MB=50] [deltas=20]` (Node 24). Not a test.
 *
 * The body is ~50 MB made of the captured ADK streams (test/fixtures/adk-sse) played again and
 * again, each partial text frame repeated `deltas` times: a long `"streaming": true` answer is
 * mostly deltas, with one whole event per turn. It is cut into 16 KiB chunks, like socket reads.
 * The baseline is `createParser` fed through a streaming `TextDecoder`, plus `JSON.parse` of each
 * frame; the eventsource-parser stream API (FACTS.md's 1.00× reference) is shown for scale.
 * Target: ChatStream ≥ 0.90× the baseline. Ratios use the median and the best of the rounds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createParser } from 'eventsource-parser';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { ChatStream } from '../src/resources/chat-stream.js';

const targetBytes = Number(process.argv[2] ?? 50) * 1024 * 1024;
const chunkSize = 16 * 1024;
const rounds = 15;

const dir = new URL('../test/fixtures/adk-sse/', import.meta.url);
const deltasPerFrame = Number(process.argv[3] ?? 20);
const streams = readdirSync(dir)
  .filter((name) => name.endsWith('.sse') && name !== 'error_unhandled.sse')
  .map((name) => readFileSync(new URL(name, dir), 'utf8'));

function buildBody(): Uint8Array {
  const round = streams
    .flatMap((text) => text.split('\n\n').filter(Boolean))
    .map((frame) => `${frame}\n\n`.repeat(frame.includes('"partial":true') ? deltasPerFrame : 1))
    .join('');
  return new TextEncoder().encode(round.repeat(Math.ceil(targetBytes / round.length)));
}

const body = buildBody();
const chunks: Uint8Array[] = [];
for (let i = 0; i < body.length; i += chunkSize) chunks.push(body.slice(i, i + chunkSize));
const mb = body.length / 1024 / 1024;

function bodyStream(): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
}

async function bare(): Promise<number> {
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
}

async function parserStream(): Promise<number> {
  let count = 0;
  const text = new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>;
  const events = bodyStream().pipeThrough(text).pipeThrough(new EventSourceParserStream());
  for await (const event of events) {
    JSON.parse(event.data);
    count++;
  }
  return count;
}

async function chatStream(): Promise<number> {
  const stream = new ChatStream({
    sessionId: 'bench',
    open: () => Promise.resolve(new Response(bodyStream(), { headers: { 'content-type': 'text/event-stream' } })),
  });
  let count = 0;
  for await (const _event of stream) count++;
  await stream.finalResult();
  return count;
}

async function chatStreamFinalOnly(): Promise<number> {
  const stream = new ChatStream({
    sessionId: 'bench',
    open: () => Promise.resolve(new Response(bodyStream(), { headers: { 'content-type': 'text/event-stream' } })),
  });
  return (await stream.finalResult()).events.length;
}

type Runner = () => Promise<number>;
const runners: Array<[string, Runner]> = [
  ['eventsource-parser + JSON.parse', bare],
  ['ChatStream (for await)', chatStream],
  ['ChatStream (finalResult only)', chatStreamFinalOnly],
  ['eventsource-parser stream API', parserStream],
];

// openai is optional: measure its SSE decoder only when it happens to be installed.
type OpenAIStream = { fromSSEResponse(response: Response, controller: AbortController): AsyncIterable<unknown> };
const openai = (specifier: string) => import(specifier).then((m: { Stream?: OpenAIStream }) => m.Stream);
const Stream = await openai('openai/core/streaming').catch(() => openai('openai/streaming')).catch(() => undefined);
if (Stream) {
  runners.push([
    'openai Stream',
    async () => {
      let count = 0;
      const response = new Response(bodyStream(), { headers: { 'content-type': 'text/event-stream' } });
      for await (const _ of Stream.fromSSEResponse(response, new AbortController())) count++;
      return count;
    },
  ]);
} else {
  console.log('openai is not installed: skipping its Stream decoder.');
}

const times = new Map<string, number[]>(runners.map(([name]) => [name, []]));
const counts = new Map<string, number>();
// Round 0 warms the JIT up and is not counted.
for (let round = -1; round < rounds; round++) {
  // Alternate the order each round so warm-up and GC timing do not favour one side.
  const order = round % 2 !== 0 ? runners : [...runners].reverse();
  for (const [name, run] of order) {
    globalThis.gc?.();
    const start = performance.now();
    counts.set(name, await run());
    if (round >= 0) times.get(name)?.push(performance.now() - start);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const best = (values: number[]) => Math.min(...values);
const [baseName] = runners[0] as [string, Runner];
const base = times.get(baseName) ?? [];
console.log(`body: ${mb.toFixed(1)} MB in ${chunks.length} chunks, partial frames ×${deltasPerFrame}; ${rounds} rounds`);
console.log(`${''.padEnd(34)} ${'median'.padStart(12)} ${'ratio'.padStart(6)} ${'best'.padStart(12)} ${'ratio'.padStart(6)}`);
for (const [name] of runners) {
  const t = times.get(name) ?? [];
  const rate = (ms: number) => `${(mb / (ms / 1000)).toFixed(1)} MB/s`.padStart(12);
  const ratio = (ms: number, baseMs: number) => `${(baseMs / ms).toFixed(2)}×`.padStart(6);
  console.log(`${name.padEnd(34)} ${rate(median(t))} ${ratio(median(t), median(base))} ${rate(best(t))} ${ratio(best(t), best(base))}  (${counts.get(name)} events)`);
}
