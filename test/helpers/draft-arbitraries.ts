/** fast-check arbitraries for drafts: shared by the decoder property tests and `bench/property.bench.ts`. */
import fc from 'fast-check';
import { DraftDecodeError } from '../../src/core/errors.js';
import { decodeDraft, type Draft } from '../../src/decoders/draft.js';

/** A numeric field as the backend might send it: numbers, numeric strings, junk. */
export const number = fc.oneof(
  fc.integer({ min: -1000, max: 600_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: 0, max: 600_000 }).map(String),
  fc.constantFrom('', ' ', 'abc', '1e3', null, true),
);

/** Segment or track metadata (`m`), with the keys the decoders read, or any JSON. */
export const meta = fc.oneof(
  fc.record(
    {
      name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      title: fc.string(),
      text: fc.string(),
      label: fc.string(),
      volume: number,
      role: fc.constantFrom('bgm', 'music', 'title', 'voice', 7),
      kind: fc.constantFrom('BGM', 'Title', ''),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);

/** One segment (`sg` entry), or any JSON. */
export const segment = fc.oneof(fc.record({ st: number, s: number, start: number, d: number, m: meta }, { requiredKeys: [] }), fc.jsonValue());

/** One track (`t` entry), or any JSON. */
export const track = fc.oneof(
  fc.record(
    { tt: fc.oneof(fc.constantFrom(0, 1, 7, 3, '0', '1', '7', 'video', null), fc.jsonValue()), sg: fc.oneof(fc.array(segment), fc.jsonValue()), m: meta },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);

/** A draft-shaped object. */
export const draftLike = fc.record({ t: fc.oneof(fc.array(track, { maxLength: 6 }), fc.jsonValue()) }, { requiredKeys: [] });

/** Anything a draft field might hold: any JSON, a draft-shaped object, or its JSON string. */
export const anything = fc.oneof(fc.jsonValue(), draftLike, draftLike.map((d) => JSON.stringify(d)));

/** `decodeDraft`, with `null` for what is not a draft (`DraftDecodeError`); any other throw escapes. */
export function decodeOrNull(raw: unknown): Draft | null {
  try {
    return decodeDraft(raw);
  } catch (e) {
    if (!(e instanceof DraftDecodeError)) throw e;
    return null;
  }
}
