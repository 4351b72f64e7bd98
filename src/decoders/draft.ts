import { DraftDecodeError } from '../core/errors.js';

/** A draft as the backend sends it (docs/protocol.md › Session state): short keys, nothing else published. */
export interface RawDraft {
  t?: RawTrack[] | null;
  [key: string]: unknown;
}

/** A track of a {@link RawDraft}: `tt` type code, `sg` segments, `m` metadata. */
export interface RawTrack {
  tt?: number | string;
  sg?: RawSegment[] | null;
  m?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A segment of a {@link RawTrack}: start `st` (or `s`, `start`), duration `d` in ms, metadata `m`. */
export interface RawSegment {
  st?: number | string;
  s?: number | string;
  start?: number | string;
  d?: number | string;
  m?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What a track holds: `tt` 0 is video, 1 audio, 7 text; any other code is `unknown`. */
export type TrackType = 'video' | 'audio' | 'text' | 'unknown';

/** One clip, sound or text on a track, in milliseconds. */
export interface Segment {
  startMs: number;
  durationMs: number;
  /** Always `startMs + durationMs`. */
  endMs: number;
  /** From `m.name`, `m.title`, `m.text` or `m.label`, the first that is a non-empty string or a number. */
  label?: string;
  /** A fraction (0.35 for 35 %); a wire value above 1 is read as a percentage. */
  volume?: number;
  meta: Record<string, unknown>;
  /** The wire segment, by identity. */
  raw: unknown;
}

/** One track of a {@link Draft}. */
export interface Track {
  /**
   * Position in the wire `t` array (in its values when `t` is an object); entries that are not
   * objects are skipped, not renumbered.
   */
  index: number;
  type: TrackType;
  /** The wire `tt`, when it is a number. */
  typeCode: number | undefined;
  segments: Segment[];
  meta: Record<string, unknown>;
  /** The wire track, by identity. */
  raw: unknown;
}

/**
 * A decoded timeline draft; `raw` is the object as received, to send back to render unchanged.
 * A draft decoded from JSON text is sent back to render as that very text, while `raw` is unchanged.
 */
export interface Draft {
  tracks: Track[];
  /** The latest segment end over all tracks, 0 when there is none. */
  durationMs: number;
  raw: unknown;
}

// A track's `tt` as text, then its type: the name at the same place among the last three.
const typeNames = '0 1 7 video audio text'.split(' ');

/** @internal Whether a JSON value is an object (not an array, not `null`). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// A finite number, or the text of one (not blank).
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && v.trim() ? Number(v) : v;
  return Number.isFinite(n) ? (n as number) : undefined;
};

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : isRecord(v) ? Object.values(v) : []);

const isDraft = (v: unknown): v is Draft =>
  isRecord(v) && Array.isArray(v.tracks) && typeof v.durationMs === 'number' && 'raw' in v;

// The JSON text each draft object was parsed from. `JSON.parse` rounds integers beyond 2^53 and
// turns `1.0` into `1`; render must get the draft as the service sent it, so the text is kept.
// A WeakMap rather than a field: `Draft` keeps its shape and the text goes when the object goes.
const sourceTexts = new WeakMap<object, string>();

const fail = (what: string, cause?: unknown): never => {
  throw new DraftDecodeError(`Not a draft: ${what}. Pass the state's draft object (or its JSON).`, { cause });
};

/**
 * Decodes a wire draft (object or JSON string) into tracks and segments, tolerating missing,
 * null, string-typed and unknown fields.
 *
 * An already decoded {@link Draft} is returned as is. `raw` is the input object by identity (for a
 * JSON string, the parsed object; render then sends that string byte for byte, numbers beyond
 * 2^53, `1.0`, key order and unknown keys included, unless `raw` was changed since). Entries
 * that are not objects are skipped; a segment without a start begins where the previous one on
 * its track ended.
 *
 * @throws {DraftDecodeError} when the input is not a draft at all: not an object, an array,
 * or a string that is not the JSON of an object.
 * @example
 * ```ts
 * const draft = decodeDraft({ t: [{ tt: 0, sg: [{ st: 0, d: 4000, m: { name: 'intro' } }] }] });
 * draft.tracks[0].segments[0]; // { startMs: 0, durationMs: 4000, endMs: 4000, label: 'intro', … }
 * ```
 */
export function decodeDraft(raw: unknown): Draft {
  if (isDraft(raw)) return raw;
  let obj = raw;
  if (typeof raw === 'string') {
    try {
      obj = JSON.parse(raw);
    } catch (e) {
      fail('a string that is not JSON', e);
    }
  }
  if (!isRecord(obj)) return fail(Array.isArray(obj) ? 'an array' : obj === null ? 'null' : typeof obj);
  if (typeof raw === 'string') sourceTexts.set(obj, raw);
  let durationMs = 0;
  const tracks: Track[] = [];
  list(obj.t).forEach((t, index) => {
    if (!isRecord(t)) return;
    const meta = isRecord(t.m) ? t.m : {};
    const typeCode = num(t.tt);
    const segments: Segment[] = [];
    let end = 0;
    for (const s of list(t.sg)) {
      if (!isRecord(s)) continue;
      const m = isRecord(s.m) ? s.m : {};
      const startMs = num(s.st) ?? num(s.s) ?? num(s.start) ?? end;
      const d = Math.max(0, num(s.d) ?? 0);
      end = startMs + d;
      if (end > durationMs) durationMs = end;
      const seg: Segment = { startMs, durationMs: d, endMs: end, meta: m, raw: s };
      const label = ['name', 'title', 'text', 'label'].map((k) => m[k]).find((v) => (typeof v === 'string' && v) || typeof v === 'number');
      if (label !== undefined) seg.label = String(label);
      const v = num(m.volume);
      if (v! >= 0) seg.volume = v! > 1 ? v! / 100 : v!;
      segments.push(seg);
    }
    const i = typeNames.indexOf(String(typeCode ?? t.tt));
    tracks.push({ index, type: (i < 0 ? 'unknown' : typeNames[i % 3 + 3]) as TrackType, typeCode, segments, meta, raw: t });
  });
  // A JSON string is kept parsed: `raw` is what render sends back as the draft object.
  return { tracks, durationMs, raw: obj };
}

/**
 * The JSON of a draft as render must receive it: the exact text it was decoded from (see
 * {@link decodeDraft}) while its `raw` still holds what that text says, else `JSON.stringify`
 * of `raw` (a draft built or edited in code, every key kept in its order).
 *
 * @throws {DraftDecodeError} when the input is not a draft (see {@link decodeDraft}).
 */
export function draftJson(draftOrRaw: unknown): string {
  const raw = decodeDraft(draftOrRaw).raw as Record<string, unknown>;
  const text = sourceTexts.get(raw);
  const current = JSON.stringify(raw);
  // An edit made to `raw` after decoding wins over the text it came from.
  return text !== undefined && JSON.stringify(JSON.parse(text)) === current ? text : current;
}

/**
 * Tells whether a draft can be exported: some track has a non-empty `sg` (docs/protocol.md › Session state).
 *
 * Never throws: anything that is not a draft is simply not exportable.
 */
export function isExportable(draftOrRaw: unknown): boolean {
  try {
    return decodeDraft(draftOrRaw).tracks.some((t) => t.segments.length || list((t.raw as RawTrack | undefined)?.sg).length);
  } catch {
    return false;
  }
}
