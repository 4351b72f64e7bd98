import fc from 'fast-check';
import { anything, decodeOrNull, draftLike } from '../helpers/draft-arbitraries.js';
import { describe, expect, test } from 'vitest';
import { decodeDraft, diffTimelines, isExportable, summarizeTimeline } from '../../src/decoders/index.js';

fc.configureGlobal({ seed: 7, numRuns: 300 });



describe('decodeDraft properties', () => {
  test('throws nothing but DraftDecodeError on any JSON', () => {
    fc.assert(
      fc.property(anything, (raw) => {
        expect(() => decodeOrNull(raw)).not.toThrow();
      }),
    );
  });

  test('decodes every object and keeps raw, tracks and segments by identity', () => {
    fc.assert(
      fc.property(draftLike, (raw) => {
        const draft = decodeDraft(raw);
        expect(draft.raw).toBe(raw);
        const t: unknown[] = Array.isArray(raw.t) ? raw.t : raw.t && typeof raw.t === 'object' ? Object.values(raw.t) : [];
        for (const track of draft.tracks) {
          expect(track.raw).toBe(t[track.index]);
          const sg = (track.raw as { sg?: unknown }).sg;
          const list: unknown[] = Array.isArray(sg) ? sg : sg && typeof sg === 'object' ? Object.values(sg) : [];
          for (const s of track.segments) expect(list).toContain(s.raw);
        }
      }),
    );
  });

  test('ends every segment at startMs + durationMs, within durationMs of the draft', () => {
    fc.assert(
      fc.property(anything, (raw) => {
        const draft = decodeOrNull(raw);
        for (const s of draft?.tracks.flatMap((t) => t.segments) ?? []) {
          expect(s.endMs).toBe(s.startMs + s.durationMs);
          expect(s.durationMs).toBeGreaterThanOrEqual(0);
          expect(s.endMs <= draft!.durationMs || s.endMs <= 0).toBe(true);
        }
        expect(draft === null || draft.durationMs >= 0).toBe(true);
      }),
    );
  });

  test('summarizes any decoded draft without throwing, the same way each time', () => {
    fc.assert(
      fc.property(anything, (raw) => {
        const draft = decodeOrNull(raw);
        if (!draft) {
          expect(raw === null || typeof raw !== 'object' || Array.isArray(raw)).toBe(true);
          return;
        }
        const line = summarizeTimeline(draft);
        expect(line).toMatch(/^Timeline \(\d+ tracks?\): /);
        expect(summarizeTimeline(draft)).toBe(line);
        expect(summarizeTimeline(structuredClone(draft.raw))).toBe(line);
      }),
    );
  });

  test('finds no changes between a draft and itself or its copy', () => {
    fc.assert(
      fc.property(anything, (raw) => {
        const draft = decodeOrNull(raw);
        if (!draft) {
          expect(raw === null || typeof raw !== 'object' || Array.isArray(raw)).toBe(true);
          return;
        }
        expect(diffTimelines(draft, draft)).toEqual([]);
        expect(diffTimelines(draft.raw, structuredClone(draft.raw))).toEqual([]);
      }),
    );
  });

  test('never throws from isExportable', () => {
    fc.assert(
      fc.property(anything, (raw) => {
        expect(typeof isExportable(raw)).toBe('boolean');
      }),
    );
  });
});
