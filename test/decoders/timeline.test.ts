import { describe, expect, test } from 'vitest';
import { decodeDraft, summarizeTimeline } from '../../src/decoders/index.js';

const video = (sg: unknown[], m?: unknown) => ({ tt: 0, sg, ...(m ? { m } : {}) });
const audio = (sg: unknown[], m?: unknown) => ({ tt: 1, sg, ...(m ? { m } : {}) });
const text = (sg: unknown[], m?: unknown) => ({ tt: 7, sg, ...(m ? { m } : {}) });

describe('summarizeTimeline', () => {
  test.each<[string, unknown, string]>([
    [
      'the wire protocol example',
      {
        t: [
          video([{ st: 0, d: 10000, m: { name: 'city timelapse' } }]),
          audio([{ st: 0, d: 10000, m: { name: 'Lo-fi', volume: 0.35 } }], { role: 'bgm' }),
          text([{ st: 0, d: 3000, m: { text: 'Urban Dreams' } }]),
        ],
      },
      'Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) 3. Title: "Urban Dreams" (0-3s)',
    ],
    [
      'a start from the previous end, and 10.5 s',
      { t: [video([{ st: 0, d: 4000, m: { name: 'intro' } }, { d: 6500, m: { name: 'main shot' } }])] },
      'Timeline (1 track): 1. Video: intro (0-4s), main shot (4-10.5s)',
    ],
    [
      'starts from st, s and start, st winning over s over start',
      {
        t: [
          video([
            { st: 1000, s: 5000, start: 9000, d: 1000, m: { name: 'a' } },
            { s: 5000, start: 9000, d: 1000, m: { name: 'b' } },
            { start: 9000, d: 1000, m: { name: 'c' } },
          ]),
        ],
      },
      'Timeline (1 track): 1. Video: a (1-2s), b (5-6s), c (9-10s)',
    ],
    [
      'a gap, then segments without a start following the previous end',
      { t: [video([{ st: 0, d: 2000 }, { st: 5000, d: 1000 }, { d: 1000 }])] },
      'Timeline (1 track): 1. Video: clip (0-2s), clip (5-6s), clip (6-7s)',
    ],
    [
      'label precedence name > title > text > label, skipping empty strings',
      {
        t: [
          video([
            { d: 1000, m: { label: 'L', text: 'T', title: 'Ti', name: 'N' } },
            { d: 1000, m: { label: 'L', text: 'T', title: 'Ti' } },
            { d: 1000, m: { label: 'L', text: 'T' } },
            { d: 1000, m: { label: 'L' } },
            { d: 1000, m: { name: '', title: 'Second' } },
          ]),
        ],
      },
      'Timeline (1 track): 1. Video: N (0-1s), Ti (1-2s), T (2-3s), L (3-4s), Second (4-5s)',
    ],
    [
      'volume as a fraction, a percentage and a string',
      {
        t: [
          audio([
            { d: 1000, m: { name: 'a', volume: 0.35 } },
            { d: 1000, m: { name: 'b', volume: 80 } },
            { d: 1000, m: { name: 'c', volume: '50' } },
            { d: 1000, m: { name: 'd', volume: 1 } },
            { d: 1000, m: { name: 'e', volume: 0 } },
          ]),
        ],
      },
      'Timeline (1 track): 1. Audio: a (0-1s, 35%), b (1-2s, 80%), c (2-3s, 50%), d (3-4s, 100%), e (4-5s, 0%)',
    ],
    [
      'Audio without a marker, BGM marked on a segment or the track (any case)',
      {
        t: [
          audio([{ d: 5000, m: { name: 'voice over' } }]),
          audio([{ d: 5000, m: { name: 'Jazz', kind: 'music' } }]),
          audio([{ d: 5000, m: { name: 'Rock' } }], { type: 'BGM' }),
        ],
      },
      'Timeline (3 tracks): 1. Audio: voice over (0-5s) 2. BGM: Jazz (0-5s) 3. BGM: Rock (0-5s)',
    ],
    [
      'Title when marked, Text for the other text track',
      {
        t: [
          text([{ d: 2000, m: { text: 'Subtitle one' } }]),
          text([{ d: 3000, m: { text: 'Paradise Found', role: 'title' } }]),
        ],
      },
      'Timeline (2 tracks): 1. Text: "Subtitle one" (0-2s) 2. Title: "Paradise Found" (0-3s)',
    ],
    [
      'Text for two unmarked text tracks',
      { t: [text([{ d: 1000, m: { text: 'one' } }]), text([{ d: 1000, m: { text: 'two' } }])] },
      'Timeline (2 tracks): 1. Text: "one" (0-1s) 2. Text: "two" (0-1s)',
    ],
    [
      'Title for the only, unmarked, text track',
      { t: [video([{ d: 8000, m: { name: 'beach' } }]), text([{ st: 500, d: 2500, m: { text: 'Summer' } }])] },
      'Timeline (2 tracks): 1. Video: beach (0-8s) 2. Title: "Summer" (0.5-3s)',
    ],
    ['no tracks', { t: [] }, 'Timeline (0 tracks): empty'],
    ['no t at all', {}, 'Timeline (0 tracks): empty'],
    ['t null', { t: null }, 'Timeline (0 tracks): empty'],
    [
      'strings for numbers',
      { t: [{ tt: '1', sg: [{ st: '1500', d: '2500', m: { name: 'Lo-fi', volume: '0.5' } }] }] },
      'Timeline (1 track): 1. Audio: Lo-fi (1.5-4s, 50%)',
    ],
    [
      'missing m: clip on video, "" on text',
      { t: [video([{ d: 3000 }]), text([{ d: 1000 }])] },
      'Timeline (2 tracks): 1. Video: clip (0-3s) 2. Title: "" (0-1s)',
    ],
    [
      'null and garbage tracks skipped',
      { t: [null, 'junk', 7, video([{ d: 1000, m: { name: 'only' } }]), []] },
      'Timeline (1 track): 1. Video: only (0-1s)',
    ],
    [
      'null and garbage segments skipped, null sg is an empty track',
      { t: [video([null, 'x', { d: 1000, m: null }, { d: 'abc', m: { name: 'bad d' } }]), { tt: 1, sg: null }] },
      'Timeline (2 tracks): 1. Video: clip (0-1s), bad d (1-1s) 2. Audio: empty',
    ],
    [
      'an unknown track type is Other',
      { t: [{ tt: 3, sg: [{ d: 2000, m: { name: 'sticker' } }] }, { sg: [{ d: 1000 }] }] },
      'Timeline (2 tracks): 1. Other: sticker (0-2s) 2. Other: clip (0-1s)',
    ],
    [
      'seconds to the hundredth, no trailing .0',
      { t: [video([{ st: 0, d: 3333, m: { name: 'a' } }, { d: 6667, m: { name: 'b' } }, { d: 500, m: { name: 'c' } }])] },
      'Timeline (1 track): 1. Video: a (0-3.33s), b (3.33-10s), c (10-10.5s)',
    ],
    [
      'whitespace in labels collapsed',
      { t: [text([{ d: 2000, m: { text: '  Line one\nline   two ' } }])] },
      'Timeline (1 track): 1. Title: "Line one line two" (0-2s)',
    ],
    [
      'a JSON string of a draft',
      JSON.stringify({ t: [video([{ d: 2000, m: { title: 'json' } }])] }),
      'Timeline (1 track): 1. Video: json (0-2s)',
    ],
  ])('writes %s', (_name, draft, expected) => {
    expect(summarizeTimeline(draft)).toBe(expected);
  });

  test('gives the same line for a decoded draft and its raw', () => {
    const raw = { t: [video([{ d: 1000, m: { name: 'x' } }])] };
    expect(summarizeTimeline(decodeDraft(raw))).toBe(summarizeTimeline(raw));
  });

  test('reads null and undefined as an empty draft', () => {
    expect([summarizeTimeline(null), summarizeTimeline(undefined)]).toEqual([
      'Timeline (0 tracks): empty',
      'Timeline (0 tracks): empty',
    ]);
  });
});
