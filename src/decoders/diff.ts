import type { Segment, Track } from './draft.js';
import { describeSegment, labelOf, span, toDraft, trackKind, type TrackKind } from './timeline.js';

/** A whole track appeared or disappeared. */
export interface TrackChange {
  type: 'track_added' | 'track_removed';
  kind: TrackKind;
  track: Track;
}

/** A segment appeared (`after`) or disappeared (`before`) on a track that is in both drafts. */
export interface SegmentPresenceChange {
  type: 'segment_added' | 'segment_removed';
  kind: TrackKind;
  /** The segment's label, when it has one. */
  label?: string;
  /** The track's index in the draft that holds the segment. */
  trackIndex: number;
  before?: Segment;
  after?: Segment;
}

/**
 * A segment that is in both drafts but differs: `segment_trimmed` (its duration changed),
 * `segment_moved` (same duration, other start) or `segment_changed` (label, volume or any other
 * field changed; a label change wins over timing).
 */
export interface SegmentEdit {
  type: 'segment_trimmed' | 'segment_moved' | 'segment_changed';
  kind: TrackKind;
  /** The label after the change, else before it. */
  label?: string;
  /** The track's index in the later draft. */
  trackIndex: number;
  before: Segment;
  after: Segment;
}

/** One difference between two drafts, as {@link diffTimelines} finds it. */
export type TimelineChange = TrackChange | SegmentPresenceChange | SegmentEdit;

/** @internal Structural equality over JSON values. */
const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length &&
    ka.every((k) => Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
};

const labels = (t: Track) => new Set(t.segments.flatMap((s) => (s.label === undefined ? [] : [s.label])));

/** Pairs segments: identical ones first, then equal labels, then overlapping spans. */
function pairSegments(before: Segment[], after: Segment[]): [Segment | undefined, Segment | undefined][] {
  const pair = new Map<Segment, Segment>();
  const taken = new Set<Segment>();
  const pass = (fits: (b: Segment, a: Segment) => boolean) => {
    for (const a of after) {
      if (pair.has(a)) continue;
      const b = before.find((b) => !taken.has(b) && fits(b, a));
      if (b) pair.set(a, b), taken.add(b);
    }
  };
  pass((b, a) => b.startMs === a.startMs && b.durationMs === a.durationMs && same(b.raw, a.raw));
  pass((b, a) => b.label !== undefined && b.label === a.label);
  pass((b, a) => b.startMs === a.startMs || (b.startMs < a.endMs && a.startMs < b.endMs));
  return [
    ...after.map((a): [Segment | undefined, Segment] => [pair.get(a), a]),
    ...before.filter((b) => !taken.has(b)).map((b): [Segment, undefined] => [b, undefined]),
  ];
}

/**
 * Lists what changed between two drafts (decoded or raw; `null`/`undefined` read as empty).
 *
 * Tracks pair up only with tracks of the same type (and type code): each later track takes the earlier one that
 * shares the most segment labels, then has the same kind, then the same index (first on a tie).
 * Within a pair, segments match when identical, then by equal label, then when their spans
 * overlap (an edit in place); what is left over was added or removed. `diffTimelines(a, a)` is `[]`.
 *
 * @throws {DraftDecodeError} when either side is not a draft at all.
 */
export function diffTimelines(before: unknown, after: unknown): TimelineChange[] {
  const from = toDraft(before);
  const to = toDraft(after);
  const changes: TimelineChange[] = [];
  const used = new Set<Track>();
  const kinds = new Map<Track, TrackKind>();
  const names = new Map<Track, Set<string>>();
  for (const d of [from, to]) for (const t of d.tracks) kinds.set(t, trackKind(t, d)), names.set(t, labels(t));
  for (const at of to.tracks) {
    const kind = kinds.get(at)!;
    let best: Track | undefined;
    let bestScore = -1;
    for (const bt of from.tracks) {
      if (used.has(bt) || bt.type !== at.type || bt.typeCode !== at.typeCode) continue;
      let score = (kinds.get(bt) === kind ? 2 : 0) + (bt.index === at.index ? 1 : 0);
      for (const l of names.get(bt)!) if (names.get(at)!.has(l)) score += 4;
      if (score > bestScore) (best = bt), (bestScore = score);
    }
    if (!best) {
      changes.push({ type: 'track_added', kind, track: at });
      continue;
    }
    used.add(best);
    for (const [b, a] of pairSegments(best.segments, at.segments)) {
      const base = { kind, label: (a ?? b)?.label, trackIndex: (a ? at : best).index };
      if (!b) changes.push({ ...base, type: 'segment_added', after: a });
      else if (!a) changes.push({ ...base, type: 'segment_removed', before: b });
      else {
        const type =
          b.label !== a.label ? 'segment_changed'
          : b.startMs === a.startMs && b.durationMs === a.durationMs
            ? b.volume === a.volume && same(b.raw, a.raw) ? undefined : 'segment_changed'
          : b.durationMs === a.durationMs ? 'segment_moved'
          : 'segment_trimmed';
        if (type) changes.push({ ...base, type, before: b, after: a });
      }
    }
  }
  for (const bt of from.tracks) if (!used.has(bt)) changes.push({ type: 'track_removed', kind: kinds.get(bt)!, track: bt });
  return changes;
}

const verbs: Record<TimelineChange['type'], string> = {
  track_added: 'added',
  track_removed: 'removed',
  segment_added: 'added',
  segment_removed: 'removed',
  segment_trimmed: 'trimmed',
  segment_moved: 'moved',
  segment_changed: 'changed',
};

/**
 * Writes changes for people, one `✅` line each, or `No changes` for an empty list.
 *
 * Lines read `✅ Title added: "Paradise Found" (0-3s)`, `✅ BGM added: Lo-fi (0-10s, 35%)`,
 * `✅ Video clip trimmed: intro (0-4s → 0-3s)`, `✅ Audio track removed`. A new track lists its
 * segments (`✅ Video track added` when it has none); video and unknown segments are called
 * `clip`s.
 */
export function describeChanges(changes: readonly TimelineChange[]): string {
  if (!changes.length) return 'No changes';
  return changes
    .map((c) => {
      const verb = verbs[c.type];
      const { kind } = c;
      if ('track' in c) {
        const segs = c.track.segments.map((s) => describeSegment(s, kind)).join(', ');
        return c.type === 'track_added' && segs ? `✅ ${kind} added: ${segs}` : `✅ ${kind} track ${verb}`;
      }
      const noun = kind === 'Video' || kind === 'Other' ? `${kind} clip` : kind;
      const { before: b, after: a } = c;
      let what: string;
      if (!a || !b) what = describeSegment((a ?? b)!, kind);
      else {
        const [lb, la, sb, sa] = [labelOf(b, kind), labelOf(a, kind), span(b), span(a)];
        what = lb === la ? `${la} (${sb === sa ? sa : `${sb} → ${sa}`})` : `${lb} (${sb}) → ${la} (${sa})`;
      }
      return `✅ ${noun} ${verb}: ${what}`;
    })
    .join('\n');
}
