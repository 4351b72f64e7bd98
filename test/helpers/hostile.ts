/**
 * Hostile inputs for the functions that read server or agent text, and a clock to show they run
 * in linear time: shared by test/decoders/hostile.test.ts and the ReDoS pass of
 * `bench/property.bench.ts`. A family makes a text of about `chars` UTF-16 units (1 << 20 is
 * about a megabyte) built to make a backtracking regex retry: long runs of spaces, of a keyword
 * the function looks for, of `导出`, unterminated quotes and braces, `{"error":` then spaces.
 * @module
 */
import { SseDecoder } from '../../src/core/sse.js';
import { adkBareErrorMessage, decodeAdkEvent, parseAdkData } from '../../src/decoders/adk.js';
import { describeChanges, detectLanguage, diffTimelines, routeIntent, summarizeTimeline, translateGuiText } from '../../src/index.js';

/** One way to build a hostile text. */
export interface HostileFamily {
  name: string;
  /** A text of about `chars` UTF-16 code units. */
  text(chars: number): string;
}

/** A function under test: `prepare` builds its input from a text (untimed), `run` is timed. */
export interface HostileTarget {
  name: string;
  /** The families fed to it: {@link genericFamilies} (or the white space ones) and its own. */
  families: HostileFamily[];
  prepare(text: string): unknown;
  run(input: unknown): unknown;
}

/** `unit` repeated to about `chars` code units. */
const fill = (unit: string, chars: number) => unit.repeat(Math.max(1, Math.ceil(chars / unit.length)));
const family = (name: string, text: (chars: number) => string): HostileFamily => ({ name, text });
/** `unit` repeated to fill the size, as a family. */
const repeated = (name: string, unit: string, before = '', after = ''): HostileFamily =>
  family(name, (n) => before + fill(unit, n) + after);

/** Runs of white space: what `\s+` and `\s*` retry on. */
export const whitespaceFamilies: HostileFamily[] = [
  repeated('spaces', ' '),
  repeated('spaces between two letters', ' ', 'x', 'x'),
  repeated('spaces and tabs before a letter', ' \t', '', 'x'),
  repeated('ideographic spaces before a letter', '\u3000', '', 'x'),
  repeated('line breaks before a letter', '\n', '', 'x'),
  repeated('a word, a space', 'a '),
];

/** Families every target gets: white space, punctuation, `导出`, quotes, braces, bare error frames. */
export const genericFamilies: HostileFamily[] = [
  ...whitespaceFamilies,
  repeated('periods and spaces', '. ', 'x', 'x'),
  repeated('commas and spaces', ', ', 'x', 'x'),
  repeated('导出', '导出'),
  repeated('unterminated quote', 'a', '"'),
  repeated('unterminated braces', '{'),
  repeated('{"error": then spaces', ' ', '{"error":'),
  repeated('{"error": "then spaces before a letter', ' ', '{"error": "', 'x'),
  repeated('{"error": "x then quote-brace closers', '" } ', '{"error": "x'),
  repeated('emoji', '😀'),
];

/** Families for `parseAdkData` / `adkBareErrorMessage`. */
export const adkFamilies: HostileFamily[] = [
  repeated('quotes', '"'),
  family('spaces, a brace, spaces, an unfinished key', (n) => `${fill(' ', n / 2)}{${fill(' ', n / 2)}"err`),
  repeated('{"error": "then braces', '}', '{"error": "'),
  repeated('{"error": then quotes and spaces', '" ', '{"error":'),
  repeated('valid JSON, a megabyte of message', 'x', '{"error":"', '"}'),
  repeated('valid JSON, a nested message of spaces', ' ', '{"error":{"message":"', 'x"}}'),
];

/** Families for `translateGuiText`: its keywords, with nothing that completes an instruction. */
export const guiFamilies: HostileFamily[] = [
  repeated('click', 'click '),
  repeated('see', 'see '),
  repeated('check', 'check '),
  repeated('preview', 'preview '),
  repeated('look at', 'look at '),
  repeated('go to', 'go to '),
  repeated('use', 'use '),
  repeated('you can, then spaces', ' ', 'you can', 'x'),
  repeated('and, then spaces', ' ', 'and', 'x'),
  repeated('drop the', 'drop the '),
  repeated('drop the, one long word', 'a', 'drop the '),
  repeated('点', '点'),
  repeated('点击', '点击'),
  repeated('在', '在'),
  repeated('periods before a letter', '.', '', 'x'),
  repeated('ideographic full stops', '。', 'x'),
  repeated('查看', '查看'),
  repeated('前往', '前往'),
  repeated('export, then spaces', ' ', 'export', 'x'),
  family('many drag clauses, then many export clauses', (n) => fill('drag it, ', n / 2) + fill('use export, ', n / 2)),
  repeated('a GUI sentence, then spaces before a letter', ' ', 'Click Export.\nx', 'y'),
  repeated('a GUI sentence, then line breaks', '\n', 'Click Export.', 'x'),
  repeated('GUI clauses', 'To download it, click Export, '),
  repeated('chat clauses', 'Drag it; '),
];

/** Families for `routeIntent`: its keywords, each followed by what almost completes it. */
export const intentFamilies: HostileFamily[] = [
  repeated('my, then spaces', ' ', 'my', 'x'),
  repeated('balance, then spaces', ' ', 'balance', 'x'),
  repeated('symbols, then most of balance', '#', '', 'balanc'),
  repeated('end, then spaces', ' ', 'end', 'x'),
  repeated('credits, then spaces', ' ', 'credits', 'x'),
  repeated('send me the', 'send me the '),
  repeated('send it over', 'send it over '),
  repeated('已经上传了', '已经上传了'),
  repeated('upload', 'upload'),
  repeated('one long word', 'a'),
];

/** Families for `detectLanguage`: its scripts and word lists. */
export const languageFamilies: HostileFamily[] = [
  repeated('one long word', 'a'),
  repeated('the', 'the '),
  repeated('ñ', 'ñ'),
  repeated('Cyrillic with і', 'аі '),
  repeated('Han, traditional and simplified', '這这'),
  repeated('kana', 'カ'),
  repeated('Arabic with پ', 'اپ '),
];

/** Families for the SSE decoder (its target sends each text as `data: <text>\n\n`, in 16 KiB chunks). */
export const sseFamilies: HostileFamily[] = [
  repeated('CRLF line breaks', '\r\n', '', 'x'),
  repeated('data lines of one event', 'x\ndata: '),
  repeated('comments', '\n: ping'),
  repeated('bare CRs', '\r'),
  repeated('text, CR', 'x\r'),
  repeated('lines without a colon', '\ndata'),
  repeated('a bare error frame, then spaces, in one line', ' ', '{"error": "', 'x'),
];

const encoder = new TextEncoder();
/** SSE chunks as a socket would hand them: 16 KiB each. */
const chunked = (bytes: Uint8Array, size = 16_384) => {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
};
const labelled = (label: string, d = 3000) => ({
  t: [
    { tt: 7, sg: [{ st: 0, d, m: { text: label } }] },
    { tt: 0, sg: [{ st: 0, d, m: { name: label } }] },
  ],
});

/** Every function that reads server or agent text, each with its families. */
export const hostileTargets: HostileTarget[] = [
  {
    name: 'parseAdkData + adkBareErrorMessage',
    families: [...genericFamilies, ...adkFamilies],
    prepare: (text) => text,
    run: (text) => {
      const value = parseAdkData(text as string);
      return [adkBareErrorMessage(value), decodeAdkEvent(value)];
    },
  },
  { name: 'translateGuiText', families: [...genericFamilies, ...guiFamilies], prepare: (t) => t, run: (t) => translateGuiText(t as string) },
  { name: 'routeIntent', families: [...genericFamilies, ...intentFamilies], prepare: (t) => t, run: (t) => routeIntent(t as string) },
  { name: 'detectLanguage', families: [...genericFamilies, ...languageFamilies], prepare: (t) => t, run: (t) => detectLanguage(t as string) },
  // Their one regex over text is `\s+` on segment labels.
  { name: 'summarizeTimeline', families: whitespaceFamilies, prepare: (t) => labelled(t as string), run: (d) => summarizeTimeline(d) },
  {
    name: 'diffTimelines + describeChanges',
    families: whitespaceFamilies,
    prepare: (t) => [labelled(t as string), labelled(`${t as string} `, 4000)],
    run: (pair) => {
      const [before, after] = pair as [unknown, unknown];
      return describeChanges(diffTimelines(before, after));
    },
  },
  {
    name: 'SseDecoder',
    families: [...genericFamilies, ...sseFamilies],
    prepare: (t) => chunked(encoder.encode(`data: ${t as string}\n\n`)),
    run: (chunks) => {
      let seen = 0;
      const sse = new SseDecoder({ onData: (d) => (seen += d.length), onHeartbeat: () => seen++ });
      for (const chunk of chunks as Uint8Array[]) sse.push(chunk);
      sse.end();
      return seen;
    },
  },
];

/**
 * CPU milliseconds of one call of `target.run(input)`: the process's CPU time, not the clock,
 * so that other processes on a busy machine do not count (with six runnable processes on two
 * cores, a 60 ms call takes 200 ms of clock time, and a 2 ms one often still 2 ms).
 */
function timeMs(target: HostileTarget, input: unknown): number {
  const started = process.cpuUsage();
  target.run(input);
  const { user, system } = process.cpuUsage(started);
  return (user + system) / 1000;
}

/** CPU milliseconds of the fastest of `runs` calls of `target.run(input)`. */
export function bestMs(target: HostileTarget, input: unknown, runs: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) best = Math.min(best, timeMs(target, input));
  return best;
}

/**
 * Times below this are clock and GC noise on a busy machine: a doubling is read as
 * `max(t2, floor) / max(t1, floor)`. A super-linear regex on a megabyte takes seconds, far above it.
 */
export const noiseFloorMs = 10;

/** How much longer the doubled input took, read with {@link noiseFloorMs}. */
export const doubling = (ms: number, doubledMs: number): number => Math.max(doubledMs, noiseFloorMs) / Math.max(ms, noiseFloorMs);

/** Times of one target on one family at doubling sizes. */
export interface Growth {
  sizes: number[];
  /** Best time at each size, in ms. */
  ms: number[];
  /** The size at which one call took longer than the budget (and the climb stopped), if any. */
  tooSlowAt?: number;
}

/**
 * Times `target` on `family` at sizes `from`, `2·from`, … up to `to`, taking the best of
 * `runs(size)` calls at each. The climb stops at the first size where a call takes longer than
 * its share of `budgetMs` (the budget at `to`, scaled down with the size, never under 100 ms):
 * a super-linear regression then fails at a small size in about a second, instead of running for
 * minutes on a megabyte (the cubic regex this guards against took 3 s on 2,000 spaces).
 */
export function growth(
  target: HostileTarget,
  family: HostileFamily,
  { from = 1024, to, runs, budgetMs }: { from?: number; to: number; runs: (size: number) => number; budgetMs: number },
): Growth {
  const out: Growth = { sizes: [], ms: [] };
  for (let size = from; size <= to; size *= 2) {
    const ms = bestMs(target, target.prepare(family.text(size)), runs(size));
    out.sizes.push(size);
    out.ms.push(ms);
    if (ms > Math.max(100, (budgetMs * size) / to)) {
      out.tooSlowAt = size;
      break;
    }
  }
  return out;
}

/** What {@link linearity} measured. */
export interface Linearity {
  /** The climb from 1K to a quarter of the size (one call each), stopped early on a super-linear target. */
  climb: Growth;
  /** Best CPU time at half the size and at the size, in ms (`NaN` when the climb stopped early). */
  ms: number;
  doubledMs: number;
  /** `doubledMs / ms`, read with {@link noiseFloorMs}. */
  ratio: number;
}

/**
 * Whether `target` runs in linear time on `family`. First a climb from 1K to `chars / 4`, one call
 * a size, that stops once a call takes more than its share of `budgetMs` (see {@link growth}: a
 * quadratic or cubic regression fails in seconds rather than hanging); then one call at
 * `chars / 2` and one at `chars`. A ratio of `maxRatio` or more is measured again (best of two
 * interleaved calls), up to `attempts` times in all, keeping the best: a garbage collection that
 * falls in one run and not the other can make a linear doubling look like 4× once, not every time.
 */
export function linearity(
  target: HostileTarget,
  family: HostileFamily,
  { chars = 1 << 20, attempts = 4, budgetMs = 2000, maxRatio = 3.5 }: { chars?: number; attempts?: number; budgetMs?: number; maxRatio?: number } = {},
): Linearity {
  const climb = growth(target, family, { to: chars / 4, runs: () => 1, budgetMs: budgetMs / 4 });
  let best: Linearity = { climb, ms: NaN, doubledMs: NaN, ratio: NaN };
  if (climb.tooSlowAt !== undefined) return best;
  const half = target.prepare(family.text(chars / 2));
  const full = target.prepare(family.text(chars));
  // A call over budget fails the test anyway: measure again only what may be noise.
  for (let attempt = 0; attempt < attempts && !(best.ratio < maxRatio) && !(best.doubledMs > budgetMs); attempt++) {
    let ms = Infinity;
    let doubledMs = Infinity;
    for (let round = 0; round < (attempt === 0 ? 1 : 2); round++) {
      ms = Math.min(ms, timeMs(target, half));
      doubledMs = Math.min(doubledMs, timeMs(target, full));
    }
    const ratio = doubling(ms, doubledMs);
    if (!(ratio >= best.ratio)) best = { climb, ms, doubledMs, ratio };
  }
  return best;
}

/** `1048576` → `1M`, `65536` → `64K`. */
export const sizeLabel = (chars: number): string => (chars >= 1 << 20 ? `${chars / (1 << 20)}M` : `${chars / 1024}K`);
