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

/** @internal Structural equality over JSON values (truthy when equal). */
const same = (a: unknown, b: unknown): unknown =>
  a === b ||
  (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b) &&
    Object.keys(a).length === Object.keys(b).length &&
    Object.entries(a).every(([k, v]) => Object.hasOwn(b, k) && same(v, (b as Record<string, unknown>)[k])));

/**
 * Pairs segments: identical ones first, then equal labels, then overlapping spans; each `after`
 * segment takes the first `before` one (in order) that is still free and fits. In linear time on
 * an ordinary track: each pass groups the free ones by a key (start, label), latest first, so the
 * first that fits is found at the end of its group and cut off there.
 */
function pairSegments(before: Segment[], after: Segment[]): (readonly [Segment | undefined, Segment?])[] {
  const pair = new Map<Segment, Segment>();
  const taken = new Set<Segment>();
  const pass = (key: (s: Segment) => unknown, fits: (b: Segment, a: Segment) => unknown = () => 1) => {
    const groups = new Map<unknown, Segment[]>();
    for (const b of [...before].reverse()) if (!taken.has(b)) groups.get(key(b))?.push(b) ?? groups.set(key(b), [b]);
    for (const a of after) {
      const group = pair.has(a) ? undefined : groups.get(key(a));
      const i = group?.findLastIndex((b) => fits(b, a)) ?? -1;
      if (i >= 0) {
        const [b] = group!.splice(i, 1) as [Segment];
        pair.set(a, b), taken.add(b);
      }
    }
  };
  pass((s) => s.startMs, (b, a) => b.durationMs === a.durationMs && same(b.raw, a.raw));
  // No label is a key of its own each time: it matches nothing.
  pass((s) => s.label ?? {});
  pass(() => 0, (b, a) => b.startMs === a.startMs || (b.startMs < a.endMs && a.startMs < b.endMs));
  return [...after.map((a) => [pair.get(a), a] as const), ...before.filter((b) => !taken.has(b)).map((b) => [b] as const)];
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
  const changes: TimelineChange[] = [];
  // Each draft's tracks as [track, kind, its segments' labels]; a paired earlier track leaves `olds`.
  const [olds, news] = [before, after].map((v) => {
    const d = toDraft(v);
    return d.tracks.map((t): Entry => [t, trackKind(t, d), new Set(t.segments.flatMap((s) => s.label ?? []))]);
  }) as [Entry[], Entry[]];
  for (const [at, kind, names] of news) {
    let best: Entry | undefined;
    let bestScore = -1;
    for (const e of olds) {
      const [bt, k, bn] = e;
      if (bt.type !== at.type || bt.typeCode !== at.typeCode) continue;
      let score = (k === kind ? 2 : 0) + (bt.index === at.index ? 1 : 0);
      for (const l of bn) if (names.has(l)) score += 4;
      if (score > bestScore) (best = e), (bestScore = score);
    }
    if (!best) {
      changes.push({ type: 'track_added', kind, track: at });
      continue;
    }
    olds.splice(olds.indexOf(best), 1);
    const bt = best[0];
    for (const [b, a] of pairSegments(bt.segments, at.segments)) {
      const type =
        !b ? 'added'
        : !a ? 'removed'
        : b.label !== a.label ? 'changed'
        : b.startMs === a.startMs && b.durationMs === a.durationMs
          ? b.volume === a.volume && same(b.raw, a.raw) ? undefined : 'changed'
        : b.durationMs === a.durationMs ? 'moved'
        : 'trimmed';
      if (type) {
        changes.push({
          kind,
          label: (a ?? b)!.label,
          trackIndex: (a ? at : bt).index,
          type: `segment_${type}`,
          ...(b && { before: b }),
          ...(a && { after: a }),
        } as TimelineChange);
      }
    }
  }
  for (const [track, kind] of olds) changes.push({ type: 'track_removed', kind, track });
  return changes;
}

type Entry = [Track, TrackKind, Set<string>];

/**
 * Writes changes for people, one `✅` line each, or `No changes` for an empty list.
 *
 * Lines read `✅ Title added: "Paradise Found" (0-3s)`, `✅ BGM added: Lo-fi (0-10s, 35%)`,
 * `✅ Video clip trimmed: intro (0-4s → 0-3s)`, `✅ Audio track removed`. A new track lists its
 * segments (`✅ Video track added` when it has none); video and unknown segments are called
 * `clip`s.
 */
export function describeChanges(changes: readonly TimelineChange[]): string {
  return (
    changes
      .map((c) => {
        // Each type ends in its verb: `track_added`, `segment_trimmed`…
        const verb = c.type.split('_')[1];
        const { kind } = c;
        if ('track' in c) {
          const segs = c.track.segments.map((s) => describeSegment(s, kind)).join(', ');
          return `✅ ${kind} ${verb === 'added' && segs ? `added: ${segs}` : `track ${verb}`}`;
        }
        // One segment (added, removed) or the two sides of an edit.
        const [b, a = b] = [c.before, c.after].filter((s) => s) as [Segment, Segment?];
        const [lb, la, sb, sa] = [labelOf(b, kind), labelOf(a, kind), span(b), span(a)];
        return `✅ ${kind === 'Video' || kind === 'Other' ? `${kind} clip` : kind} ${verb}: ${
          lb === la ? `${la} (${sb === sa ? sa : `${sb} → ${sa}`})` : `${lb} (${sb}) → ${la} (${sa})`
        }`;
      })
      .join('\n') || 'No changes'
  );
}
