/**
 * The fast-check properties of the decoders, run long: SSE framing (test/chat/sse.property.test.ts),
 * ADK event decoding (test/chat/adk.test.ts) and draft decoding (test/decoders/draft.property.test.ts).
 * The tests run a few hundred cases each in CI with fixed numRuns; this runs the same properties
 * with `FC_NUM_RUNS` cases each (default 10,000: 11 properties, 110,000 cases in all) and prints
 * cases and time per property. Exits 1 on the first counterexample (fast-check prints it shrunk,
 * with the seed and path to replay it).
 *
 * Then a ReDoS pass: every function that runs a regex over server or agent text gets the hostile
 * families of test/helpers/hostile.ts at 64K, 128K … 1M characters, and prints, per function, the
 * worst growth of a doubling (in CPU time). Exits 1 when a doubling costs more than about 3×
 * (3.25×; linear is 2×, a quadratic regex 4×) in each of three climbs.
 *
 * Run: `npm run bench:property`, or `FC_NUM_RUNS=50000 FC_SEED=7 npx tsx bench/property.bench.ts [filter]`
 * (`redos` as the filter runs the ReDoS pass alone).
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { chunksAt } from '../test/helpers/chunks.js';
import { anything, decodeOrNull, draftLike } from '../test/helpers/draft-arbitraries.js';
import { doubling, growth, hostileTargets, sizeLabel, type Growth, type HostileFamily, type HostileTarget } from '../test/helpers/hostile.js';
import { SseDecoder } from '../src/core/sse.js';
import type { ChatEvent, ChatResult } from '../src/core/types.js';
import { adkBareErrorMessage, decodeAdkEvent, parseAdkData } from '../src/decoders/adk.js';
import { decodeDraft, diffTimelines, isExportable, summarizeTimeline } from '../src/decoders/index.js';
import { ChatStream } from '../src/resources/chat-stream.js';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 10_000);
const seed = Number(process.env.FC_SEED ?? 20_261_125);
const filter = process.argv[2];

// ── SSE framing over the captured ADK streams ────────────────────────────────────────────────
const dir = new URL('../test/fixtures/adk-sse/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((name) => name.endsWith('.sse'))
  .sort()
  .map((name) => ({ name, bytes: new Uint8Array(readFileSync(new URL(name, dir))) }));
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Cuts come as fractions of the body's length.
const chunksAtFractions = (data: Uint8Array, cuts: number[]) => chunksAt(data, cuts.map((c) => Math.floor(c * data.length)));

type Outcome = { events: ChatEvent[]; result: ChatResult } | { error: { name: string; message: string; partial?: unknown } };

/** Events and result of a ChatStream fed `chunks` (as the transport would hand them over). */
async function run(chunks: Uint8Array[]): Promise<Outcome> {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      const chunk = chunks[i++];
      if (chunk !== undefined) c.enqueue(chunk);
      else c.close();
    },
  });
  let opened = 0;
  const stream = new ChatStream({
    sessionId: 'sess_bench',
    open: async () => {
      opened++;
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    },
  });
  try {
    const events: ChatEvent[] = [];
    for await (const event of stream) events.push(event);
    return { events, result: await stream.finalResult() };
  } catch (error) {
    const e = error as Error & { partial?: unknown };
    return { error: { name: e.name, message: e.message, partial: e.partial } };
  } finally {
    equal(opened, 1);
  }
}

/** Frames seen by the bare SSE decoder. */
function frames(chunks: Uint8Array[]): string[] {
  const out: string[] = [];
  const sse = new SseDecoder({ onData: (d) => out.push(d), onHeartbeat: () => out.push('') });
  for (const chunk of chunks) sse.push(chunk);
  ok(sse.end());
  return out;
}

const fixtureIndex = fc.nat({ max: fixtures.length - 1 });
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 });
const expected = new Map<string, Outcome>();
const expectedFrames = new Map<string, string[]>();
// The bare-decoder property uses the streams that end on a frame boundary (all but the
// unhandled-error capture, whose Python error frame is not valid SSE).
const framed = () => fixtures.filter((f) => expectedFrames.has(f.name));
const crlf = fixtures.filter((f) => f.name !== 'error_unhandled.sse').map((f) => ({ ...f, bytes: encoder.encode(decoder.decode(f.bytes).replaceAll('\n', '\r\n')) }));

// ── Drafts ────────────────────────────────────────────────────────────────────────────────────
const notAnObject = (raw: unknown) => raw === null || typeof raw !== 'object' || Array.isArray(raw);

// ── The properties ───────────────────────────────────────────────────────────────────────────
type Property = fc.IProperty<unknown[]> | fc.IAsyncProperty<unknown[]>;
const properties: Array<[string, () => Property]> = [
  ['sse: any chunking of a captured stream gives the same ChatStream events and result', () =>
    fc.asyncProperty(fixtureIndex, cuts, async (i, c) => {
      const f = fixtures[i]!;
      deepStrictEqual(await run(chunksAtFractions(f.bytes, c)), expected.get(f.name));
    })],
  ['sse: any chunking of the CRLF version gives the same ChatStream events and result', () =>
    fc.asyncProperty(fc.nat({ max: crlf.length - 1 }), cuts, async (i, c) => {
      const f = crlf[i]!;
      deepStrictEqual(await run(chunksAtFractions(f.bytes, c)), expected.get(f.name));
    })],
  ['sse: any chunking, line ending (LF, CRLF, CR) and heartbeats give the same SseDecoder frames', () =>
    fc.property(fc.nat({ max: framed().length - 1 }), cuts, fc.constantFrom('\n', '\r\n', '\r'), fc.boolean(), (i, c, eol, beats) => {
      const f = framed()[i]!;
      let text = decoder.decode(f.bytes);
      if (beats) text = `: ping\n\n${text.replaceAll('\n\n', '\n\n: ping\n\n')}`;
      const bytes = encoder.encode(text.replaceAll('\n', eol));
      const got = frames(chunksAtFractions(bytes, c));
      deepStrictEqual(beats ? got.filter((x) => x !== '') : got, expectedFrames.get(f.name));
    })],
  ['adk: decodeAdkEvent never throws and keeps raw by identity, on any JSON', () =>
    fc.property(fc.jsonValue(), (value) => {
      const out = decodeAdkEvent(value);
      ok(Array.isArray(out));
      for (const event of out) equal(event.raw, value);
    })],
  ['adk: parseAdkData and adkBareErrorMessage never throw, on any text', () =>
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.jsonValue().map((v) => JSON.stringify(v) ?? '')), (text) => {
      const value = parseAdkData(text);
      const message = adkBareErrorMessage(value);
      ok(message === undefined || typeof message === 'string');
      ok(Array.isArray(decodeAdkEvent(value)));
    })],
  ['draft: decodeDraft throws nothing but DraftDecodeError, on any JSON', () =>
    fc.property(anything, (raw) => {
      decodeOrNull(raw);
    })],
  ['draft: decodes every object and keeps raw, tracks and segments by identity', () =>
    fc.property(draftLike, (raw) => {
      const draft = decodeDraft(raw);
      equal(draft.raw, raw);
      const t: unknown[] = Array.isArray(raw.t) ? raw.t : raw.t && typeof raw.t === 'object' ? Object.values(raw.t) : [];
      for (const tr of draft.tracks) {
        equal(tr.raw, t[tr.index]);
        const sg = (tr.raw as { sg?: unknown }).sg;
        const list: unknown[] = Array.isArray(sg) ? sg : sg && typeof sg === 'object' ? Object.values(sg) : [];
        for (const s of tr.segments) ok(list.includes(s.raw));
      }
    })],
  ['draft: every segment ends at startMs + durationMs, within durationMs of the draft', () =>
    fc.property(anything, (raw) => {
      const draft = decodeOrNull(raw);
      for (const s of draft?.tracks.flatMap((t) => t.segments) ?? []) {
        equal(s.endMs, s.startMs + s.durationMs);
        ok(s.durationMs >= 0);
        ok(s.endMs <= draft!.durationMs || s.endMs <= 0);
      }
      ok(draft === null || draft.durationMs >= 0);
    })],
  ['draft: summarizes any decoded draft without throwing, the same way each time', () =>
    fc.property(anything, (raw) => {
      const draft = decodeOrNull(raw);
      if (!draft) return ok(notAnObject(raw));
      const line = summarizeTimeline(draft);
      ok(/^Timeline \(\d+ tracks?\): /.test(line));
      equal(summarizeTimeline(draft), line);
      equal(summarizeTimeline(structuredClone(draft.raw)), line);
    })],
  ['draft: finds no changes between a draft and itself or its copy', () =>
    fc.property(anything, (raw) => {
      const draft = decodeOrNull(raw);
      if (!draft) return ok(notAnObject(raw));
      deepStrictEqual(diffTimelines(draft, draft), []);
      deepStrictEqual(diffTimelines(draft.raw, structuredClone(draft.raw)), []);
    })],
  ['draft: isExportable never throws', () =>
    fc.property(anything, (raw) => {
      equal(typeof isExportable(raw), 'boolean');
    })],
];

for (const f of fixtures) {
  expected.set(f.name, await run([f.bytes]));
  if (f.name !== 'error_unhandled.sse') expectedFrames.set(f.name, frames([f.bytes]));
}
console.log(`fast-check properties: ${numRuns.toLocaleString('en')} cases each, seed ${seed}; ${fixtures.length} captured streams`);
let totalCases = 0;
let totalMs = 0;
let failed = false;
for (const [name, make] of properties) {
  if (filter && !name.includes(filter)) continue;
  const started = performance.now();
  try {
    const result = await fc.check(make(), { seed, numRuns });
    const runs = result.numRuns;
    const ms = performance.now() - started;
    totalCases += runs;
    totalMs += ms;
    if (result.failed) {
      failed = true;
      console.log(`✗ ${name}\n${fc.defaultReportMessage(result)}`);
    } else {
      console.log(`✓ ${name}: ${runs.toLocaleString('en')} cases in ${(ms / 1000).toFixed(2)} s (${Math.round((runs / ms) * 1000).toLocaleString('en')}/s)`);
    }
  } catch (error) {
    failed = true;
    console.log(`✗ ${name}: ${(error as Error).message}`);
  }
}
if (totalCases || failed || !filter) console.log(`total: ${totalCases.toLocaleString('en')} cases in ${(totalMs / 1000).toFixed(1)} s${failed ? ' — FAILED' : ''}`);

// ── ReDoS: growth on hostile text ────────────────────────────────────────────────────────────
const fromSize = 64 * 1024;
const toSize = 1 << 20;
// About 3×: linear is 2×, a quadratic regex 4×; allocation-heavy linear code (half a million matches)
// has shown up to 3× on one doubling on a busy two-core machine.
const maxDoubling = 3.25;
const redosStarted = performance.now();
let redosRan = false;
let redosFailed = false;
/**
 * `target` on `family`: one call a size from 1K (a super-linear regression stops the climb in
 * seconds); if a doubling from 64K looks too steep, up to two more climbs from 64K, two calls a
 * size. Each doubling is read from the climb where it grew least (a GC that falls in one run is
 * not growth), the times shown are the best at each size.
 */
function climb(target: HostileTarget, family: HostileFamily): { growth: Growth; worst: { ratio: number; size: number } } {
  const first = growth(target, family, { from: 1024, to: toSize, runs: () => 1, budgetMs: 2000 });
  if (first.tooSlowAt !== undefined) return { growth: first, worst: { ratio: Infinity, size: first.tooSlowAt } };
  const from = first.sizes.indexOf(fromSize);
  const best: Growth = { sizes: first.sizes.slice(from), ms: first.ms.slice(from) };
  const ratios = best.ms.slice(1).map((ms, i) => doubling(best.ms[i]!, ms));
  for (let attempt = 0; attempt < 2 && Math.max(...ratios) > maxDoubling; attempt++) {
    const again = growth(target, family, { from: fromSize, to: toSize, runs: () => 2, budgetMs: 2000 });
    again.ms.forEach((ms, i) => {
      best.ms[i] = Math.min(best.ms[i]!, ms);
      if (i > 0) ratios[i - 1] = Math.min(ratios[i - 1]!, doubling(again.ms[i - 1]!, ms));
    });
  }
  const worst = Math.max(...ratios);
  return { growth: best, worst: { ratio: worst, size: best.sizes[ratios.indexOf(worst)]! } };
}
for (const target of hostileTargets) {
  const name = `redos: ${target.name} grows linearly on hostile text`;
  if (filter && !name.includes(filter)) continue;
  redosRan = true;
  const started = performance.now();
  let worst = { ratio: 0, size: 0, family: '' };
  let slowest = { ms: 0, family: '' };
  const bad: string[] = [];
  for (const family of target.families) {
    const { growth: g, worst: w } = climb(target, family);
    const shown = g.sizes.map((size, i) => `${sizeLabel(size)} ${g.ms[i]!.toFixed(1)} ms`).join(' · ');
    if (g.tooSlowAt !== undefined) bad.push(`  ${family.name}: one call took ${g.ms.at(-1)!.toFixed(0)} ms at ${sizeLabel(g.tooSlowAt)}`);
    else if (w.ratio > maxDoubling) bad.push(`  ${family.name}: ${w.ratio.toFixed(2)}× from ${sizeLabel(w.size)} (${shown})`);
    if (w.ratio > worst.ratio) worst = { ...w, family: family.name };
    if (g.ms.at(-1)! > slowest.ms) slowest = { ms: g.ms.at(-1)!, family: family.name };
  }
  const s = ((performance.now() - started) / 1000).toFixed(1);
  const ratio = Number.isFinite(worst.ratio) ? `${worst.ratio.toFixed(2)}×` : 'too slow';
  const summary = `${target.families.length} families, ${sizeLabel(fromSize)}→${sizeLabel(toSize)}: worst doubling ${ratio} (${worst.family}, from ${sizeLabel(worst.size)}), slowest at ${sizeLabel(toSize)} ${slowest.ms.toFixed(0)} ms (${slowest.family}); ${s} s`;
  if (bad.length) {
    redosFailed = true;
    console.log(`✗ ${name}: ${summary}\n${bad.join('\n')}`);
  } else {
    console.log(`✓ ${name}: ${summary}`);
  }
}
if (redosRan) console.log(`redos: ${((performance.now() - redosStarted) / 1000).toFixed(1)} s (CPU time per call; fails above ${maxDoubling}× a doubling)${redosFailed ? ' — FAILED' : ''}`);
process.exitCode = failed || redosFailed ? 1 : 0;
