import { decodeDraft, type Draft, type Segment, type Track } from './draft.js';

/** How a track is named to people: `Video`, `BGM`, `Audio`, `Title`, `Text`, or `Other` for an unknown type. */
export type TrackKind = 'Video' | 'BGM' | 'Audio' | 'Title' | 'Text' | 'Other';

// Whether the track or a segment has `m.role`, `m.kind` or `m.type` that `words` (a regex for the whole text) matches.
const marked = (track: Track, words: RegExp): boolean =>
  [track.meta, ...track.segments.map((s) => s.meta)].some((m) =>
    ['role', 'kind', 'type'].some((k) => typeof m[k] === 'string' && words.test(m[k])),
  );

/**
 * Names a track the way the summary does.
 *
 * An audio track is `BGM` when its or a segment's `m.role`, `m.kind` or `m.type` is `bgm` or
 * `music`, else `Audio`. A text track is `Title` when marked `title` the same way or when it is
 * the draft's only text track, else `Text`. Unknown track types are `Other`.
 */
export function trackKind(track: Track, draft: Draft): TrackKind {
  const { type } = track;
  return type === 'video' ? 'Video'
    : type === 'audio' ? marked(track, /^(?:bgm|music)$/i) ? 'BGM' : 'Audio'
    : type === 'text' ? marked(track, /^title$/i) || draft.tracks.filter((t) => t.type === 'text').length === 1 ? 'Title' : 'Text'
    : 'Other';
}

/** @internal Seconds without a trailing `.0`, to the hundredth: 10500 → `10.5`. */
export const seconds = (ms: number): string => String(Math.round(ms / 10) / 100);

/** @internal `a-bs[, v%]`. */
export const span = (s: Segment): string =>
  `${seconds(s.startMs)}-${seconds(s.endMs)}s${s.volume === undefined ? '' : `, ${Math.round(s.volume * 100)}%`}`;

/** @internal The label as shown: whitespace collapsed, text quoted, `clip` / `""` when there is none. */
export const labelOf = (s: Segment, kind: TrackKind): string => {
  const label = (s.label ?? '').replace(/\s+/g, ' ').trim();
  // `Title` and `Text` are the kinds that start with a T.
  return kind[0] === 'T' ? `"${label}"` : label || 'clip';
};

/** @internal `label (a-bs[, v%])`. */
export const describeSegment = (s: Segment, kind: TrackKind): string => `${labelOf(s, kind)} (${span(s)})`;

/** @internal Decodes, reading `null`/`undefined` as an empty draft. */
export const toDraft = (v: unknown): Draft =>
  v == null ? { tracks: [], durationMs: 0, raw: v } : decodeDraft(v);

/**
 * Writes a draft as one line for people, e.g.
 * `Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) 3. Title: "Urban Dreams" (0-3s)`.
 *
 * Tracks are numbered from 1 in draft order. A segment without a label is written `clip` (`""`
 * on text tracks); a track without segments is written `empty`, as is a draft without tracks
 * (`Timeline (0 tracks): empty`). `null` and `undefined` read as an empty draft.
 *
 * @throws {DraftDecodeError} when the input is not a draft at all (see {@link decodeDraft}).
 */
export function summarizeTimeline(draftOrRaw: unknown): string {
  const draft = toDraft(draftOrRaw);
  const n = draft.tracks.length;
  const body = draft.tracks.map((t, i) => {
    const kind = trackKind(t, draft);
    return `${i + 1}. ${kind}: ${t.segments.map((s) => describeSegment(s, kind)).join(', ') || 'empty'}`;
  });
  return `Timeline (${n} track${n === 1 ? '' : 's'}): ${body.join(' ') || 'empty'}`;
}
