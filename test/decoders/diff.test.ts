import { describe, expect, test } from 'vitest';
import { decodeDraft, describeChanges, diffTimelines, type TimelineChange } from '../../src/decoders/index.js';

const seg = (st: number, d: number, m: Record<string, unknown> = {}) => ({ st, d, m });
const base = () => ({
  t: [
    { tt: 0, sg: [seg(0, 4000, { name: 'intro' }), seg(4000, 6000, { name: 'main shot' })] },
    { tt: 1, m: { role: 'bgm' }, sg: [seg(0, 10000, { name: 'Lo-fi', volume: 0.35 })] },
    { tt: 7, sg: [seg(0, 3000, { text: 'Urban Dreams' })] },
  ],
});

const lines = (before: unknown, after: unknown) => describeChanges(diffTimelines(before, after)).split('\n');

describe('diffTimelines', () => {
  test('finds nothing between a draft, itself, its copy and its decoded form', () => {
    const raw = base();
    expect([
      diffTimelines(raw, raw),
      diffTimelines(raw, structuredClone(raw)),
      diffTimelines(decodeDraft(raw), raw),
      diffTimelines(null, undefined),
    ]).toEqual([[], [], [], []]);
  });

  test('reads null as empty: every track is added', () => {
    expect(lines(null, base())).toEqual([
      '✅ Video added: intro (0-4s), main shot (4-10s)',
      '✅ BGM added: Lo-fi (0-10s, 35%)',
      '✅ Title added: "Urban Dreams" (0-3s)',
    ]);
  });

  test('reports a trimmed clip with its old and new span', () => {
    const after = base();
    after.t[0]!.sg[0]!.d = 3000;
    after.t[0]!.sg[1]!.st = 3000;
    expect(lines(base(), after)).toEqual([
      '✅ Video clip trimmed: intro (0-4s → 0-3s)',
      '✅ Video clip moved: main shot (4-10s → 3-9s)',
    ]);
  });

  test('reports a moved clip whose start came from the previous end', () => {
    const before = { t: [{ tt: 0, sg: [seg(0, 4000, { name: 'a' }), { d: 2000, m: { name: 'b' } }] }] };
    const after = { t: [{ tt: 0, sg: [seg(0, 5000, { name: 'a' }), { d: 2000, m: { name: 'b' } }] }] };
    const changes = diffTimelines(before, after);
    expect(changes.map((c) => c.type)).toEqual(['segment_trimmed', 'segment_moved']);
    expect(changes[1]).toMatchObject({ kind: 'Video', label: 'b', trackIndex: 0, before: { startMs: 4000 }, after: { startMs: 5000 } });
  });

  test('reports a changed title text and a changed volume', () => {
    const after = base();
    after.t[2]!.sg[0]!.m = { text: 'Paradise Found' };
    after.t[1]!.sg[0]!.m = { name: 'Lo-fi', volume: 50 };
    expect(lines(base(), after)).toEqual([
      '✅ BGM changed: Lo-fi (0-10s, 35% → 0-10s, 50%)',
      '✅ Title changed: "Urban Dreams" (0-3s) → "Paradise Found" (0-3s)',
    ]);
  });

  test('reports a change in another field with the unchanged span', () => {
    const after = base();
    after.t[0]!.sg[0]!.m = { name: 'intro', filter: 'warm' };
    expect(lines(base(), after)).toEqual(['✅ Video clip changed: intro (0-4s)']);
  });

  test('reports added and removed segments on a kept track', () => {
    const after = base();
    after.t[0]!.sg.splice(0, 1);
    after.t[0]!.sg.push(seg(10000, 2000, { name: 'outro' }));
    const changes = diffTimelines(base(), after);
    expect(changes).toMatchObject([
      { type: 'segment_added', kind: 'Video', label: 'outro', trackIndex: 0 },
      { type: 'segment_removed', kind: 'Video', label: 'intro', trackIndex: 0 },
    ]);
    expect(describeChanges(changes)).toBe('✅ Video clip added: outro (10-12s)\n✅ Video clip removed: intro (0-4s)');
  });

  test('reports a removed track and a new title track', () => {
    const before = { t: [{ tt: 0, sg: [seg(0, 5000)] }, { tt: 1, sg: [seg(0, 5000, { name: 'voice' })] }] };
    const after = { t: [{ tt: 0, sg: [seg(0, 5000)] }, { tt: 7, sg: [seg(0, 3000, { text: 'Paradise Found' })] }] };
    expect(lines(before, after)).toEqual(['✅ Title added: "Paradise Found" (0-3s)', '✅ Audio track removed']);
  });

  test('pairs tracks by shared labels, so removing the first audio track touches only it', () => {
    const before = {
      t: [
        { tt: 1, sg: [seg(0, 8000, { name: 'voice' })] },
        { tt: 1, m: { role: 'music' }, sg: [seg(0, 8000, { name: 'Jazz' })] },
      ],
    };
    const after = { t: [{ tt: 1, m: { role: 'music' }, sg: [seg(0, 8000, { name: 'Jazz' })] }] };
    const changes = diffTimelines(before, after);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ type: 'track_removed', kind: 'Audio', track: { index: 0 } });
  });

  test('matches segments by label when they are reordered', () => {
    const before = { t: [{ tt: 0, sg: [seg(0, 2000, { name: 'a' }), seg(2000, 2000, { name: 'b' })] }] };
    const after = { t: [{ tt: 0, sg: [seg(0, 2000, { name: 'b' }), seg(2000, 2000, { name: 'a' })] }] };
    expect(lines(before, after)).toEqual(['✅ Video clip moved: b (2-4s → 0-2s)', '✅ Video clip moved: a (0-2s → 2-4s)']);
  });

  test('keeps a Title matched when a second text track turns both into Text', () => {
    const before = { t: [{ tt: 7, sg: [seg(0, 2000, { text: 'Hello' })] }] };
    const after = { t: [{ tt: 7, sg: [seg(0, 2000, { text: 'Hello' })] }, { tt: 7, sg: [seg(2000, 2000, { text: 'Bye' })] }] };
    expect(lines(before, after)).toEqual(['✅ Text added: "Bye" (2-4s)']);
  });

  test('pairs segments in linear time: 20,000 shifted clips without labels are 20,000 edits in well under 3 s', () => {
    const track = (shift: number) => ({ t: [{ tt: 0, sg: Array.from({ length: 20_000 }, (_, i) => seg(i * 1000 + shift, 1000, { i })) }] });
    const started = performance.now();
    const changes = diffTimelines(track(0), track(500));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(changes).toHaveLength(20_000);
    expect(changes.every((c) => c.type === 'segment_changed' || c.type === 'segment_moved')).toBe(true);
  });

  test('says an empty new track was added', () => {
    expect(lines({ t: [] }, { t: [{ tt: 0, sg: [] }] })).toEqual(['✅ Video track added']);
  });
});

describe('describeChanges', () => {
  test('says No changes for an empty list', () => {
    expect(describeChanges([])).toBe('No changes');
  });

  test('writes one line per change, clips for video and unknown tracks', () => {
    const s = (startMs: number, endMs: number, label?: string, volume?: number) => ({
      startMs, durationMs: endMs - startMs, endMs, label, volume, meta: {}, raw: {},
    });
    const changes: TimelineChange[] = [
      { type: 'segment_trimmed', kind: 'Video', label: 'intro', trackIndex: 0, before: s(0, 4000, 'intro'), after: s(0, 3000, 'intro') },
      { type: 'segment_added', kind: 'Title', label: 'Paradise Found', trackIndex: 2, after: s(0, 3000, 'Paradise Found') },
      { type: 'segment_removed', kind: 'Other', trackIndex: 3, before: s(0, 1500) },
      { type: 'segment_added', kind: 'BGM', label: 'Lo-fi', trackIndex: 1, after: s(0, 10000, 'Lo-fi', 0.35) },
      { type: 'track_removed', kind: 'Audio', track: { index: 4, type: 'audio', typeCode: 1, segments: [], meta: {}, raw: {} } },
    ];
    expect(describeChanges(changes).split('\n')).toEqual([
      '✅ Video clip trimmed: intro (0-4s → 0-3s)',
      '✅ Title added: "Paradise Found" (0-3s)',
      '✅ Other clip removed: clip (0-1.5s)',
      '✅ BGM added: Lo-fi (0-10s, 35%)',
      '✅ Audio track removed',
    ]);
  });
});
