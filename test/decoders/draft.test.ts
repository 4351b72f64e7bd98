import { describe, expect, test } from 'vitest';
import { DraftDecodeError } from '../../src/core/errors.js';
import { decodeDraft, isExportable } from '../../src/decoders/index.js';
import { draftJson } from '../../src/decoders/draft.js';

describe('decodeDraft', () => {
  test('decodes tracks and segments and keeps every raw by identity', () => {
    const seg = { st: 1000, d: 2000, m: { name: 'intro', volume: 40 }, extra: true };
    const track = { tt: 0, sg: [seg], m: { lane: 1 } };
    const raw = { t: [track], unknownKey: { kept: 1 } };
    const draft = decodeDraft(raw);
    expect(draft.raw).toBe(raw);
    expect(draft.tracks[0]!.raw).toBe(track);
    expect(draft.tracks[0]!.segments[0]!.raw).toBe(seg);
    expect(draft).toEqual({
      durationMs: 3000,
      raw,
      tracks: [
        {
          index: 0,
          type: 'video',
          typeCode: 0,
          meta: { lane: 1 },
          raw: track,
          segments: [{ startMs: 1000, durationMs: 2000, endMs: 3000, label: 'intro', volume: 0.4, meta: seg.m, raw: seg }],
        },
      ],
    });
  });

  test('maps type codes 0, 1 and 7 and keeps others as unknown', () => {
    const draft = decodeDraft({ t: [{ tt: 0 }, { tt: 1 }, { tt: 7 }, { tt: 4 }, { tt: '7' }, {}, { tt: 'constructor' }] });
    expect(draft.tracks.map((t) => [t.type, t.typeCode])).toEqual([
      ['video', 0],
      ['audio', 1],
      ['text', 7],
      ['unknown', 4],
      ['text', 7],
      ['unknown', undefined],
      ['unknown', undefined],
    ]);
  });

  test('numbers tracks by their position in t, skipping entries that are not objects', () => {
    const draft = decodeDraft({ t: [null, { tt: 1 }, 'x', { tt: 0 }] });
    expect(draft.tracks.map((t) => t.index)).toEqual([1, 3]);
  });

  test('takes durationMs as the latest segment end over all tracks', () => {
    const draft = decodeDraft({ t: [{ tt: 0, sg: [{ d: 4000 }, { d: 3000 }] }, { tt: 1, sg: [{ st: 2000, d: 9000 }] }] });
    expect(draft.durationMs).toBe(11000);
  });

  test('reads a negative or missing duration as 0 and leaves label and volume out when absent', () => {
    const seg = decodeDraft({ t: [{ tt: 0, sg: [{ st: 500, d: -20, m: { volume: -3 } }] }] }).tracks[0]!.segments[0]!;
    expect(seg).toEqual({ startMs: 500, durationMs: 0, endMs: 500, meta: { volume: -3 }, raw: expect.anything() });
    expect('label' in seg || 'volume' in seg).toBe(false);
  });

  test('accepts a JSON string and keeps the parsed object on raw', () => {
    const draft = decodeDraft('{"t":[{"tt":1,"sg":[{"st":"0","d":"1000"}]}]}');
    expect(draft.raw).toEqual({ t: [{ tt: 1, sg: [{ st: '0', d: '1000' }] }] });
    expect(draft.tracks[0]!.segments[0]!.endMs).toBe(1000);
  });

  test('returns an already decoded draft as it is', () => {
    const draft = decodeDraft({ t: [{ tt: 0, sg: [{ d: 1 }] }] });
    expect(decodeDraft(draft)).toBe(draft);
  });

  test('reads t given as an object of tracks', () => {
    expect(decodeDraft({ t: { a: { tt: 0, sg: [{ d: 1000 }] } } }).tracks).toHaveLength(1);
  });

  test.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a boolean', true],
    ['an array', [{ tt: 0 }]],
    ['a non-JSON string', 'not a draft'],
    ['the JSON of an array', '[1,2]'],
    ['the JSON of a string', '"draft"'],
  ])('throws DraftDecodeError for %s', (_name, input) => {
    expect(() => decodeDraft(input)).toThrow(DraftDecodeError);
  });

  test('keeps the JSON error as the cause', () => {
    let caught: unknown;
    try {
      decodeDraft('{oops');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DraftDecodeError);
    expect((caught as Error).cause).toBeInstanceOf(SyntaxError);
  });
});

describe('isExportable', () => {
  test.each<[string, unknown, boolean]>([
    ['a track with segments', { t: [{ tt: 0, sg: [{ d: 1000 }] }] }, true],
    ['a later track with segments', { t: [{ tt: 0, sg: [] }, { tt: 7, sg: [{ d: 1 }] }] }, true],
    ['a non-empty sg of unreadable entries', { t: [{ tt: 0, sg: [null] }] }, true],
    ['a decoded draft with segments', decodeDraft({ t: [{ sg: [{}] }] }), true],
    ['the JSON of an exportable draft', '{"t":[{"sg":[{"d":1}]}]}', true],
    ['only empty tracks', { t: [{ tt: 0, sg: [] }, { tt: 1 }] }, false],
    ['no tracks', { t: [] }, false],
    ['an empty object', {}, false],
    ['null', null, false],
    ['a string', 'nope', false],
    ['an array', [{ sg: [1] }], false],
  ])('is %s → %s', (_name, input, expected) => {
    expect(isExportable(input)).toBe(expected);
  });
});

describe('draftJson', () => {
  const text = '{"z": 1.0, "t": [{"tt": 0, "sg": [{"d": 1234567890123456789}]}], "10": "integer-like key", "unknown": [-0.0, 1E2]}';

  test('gives back the exact text a draft was decoded from, for the Draft and for its raw', () => {
    const draft = decodeDraft(text);
    expect(draftJson(draft)).toBe(text);
    expect(draftJson(draft.raw)).toBe(text);
    expect(draftJson(text)).toBe(text);
    // What JSON.stringify of the parsed object would have sent instead:
    expect(JSON.stringify(draft.raw)).toBe('{"10":"integer-like key","z":1,"t":[{"tt":0,"sg":[{"d":1234567890123456800}]}],"unknown":[0,100]}');
  });

  test('encodes a draft built in code, keeping every key in its order', () => {
    const raw = { z: 1, t: [{ tt: 0, sg: [] }], extra: { a: null } };
    expect(draftJson(raw)).toBe('{"z":1,"t":[{"tt":0,"sg":[]}],"extra":{"a":null}}');
    expect(draftJson(decodeDraft(raw))).toBe(draftJson(raw));
  });

  test('sends an edit made after decoding rather than the text it came from', () => {
    const draft = decodeDraft(text);
    ((draft.raw as { t: { sg: { d: number }[] }[] }).t[0]!.sg[0]!).d = 5000;
    expect(draftJson(draft)).toBe('{"10":"integer-like key","z":1,"t":[{"tt":0,"sg":[{"d":5000}]}],"unknown":[0,100]}');
  });

  test('throws DraftDecodeError for what is not a draft', () => {
    expect(() => draftJson('[1]')).toThrow(DraftDecodeError);
    expect(() => draftJson(null)).toThrow(DraftDecodeError);
  });
});
