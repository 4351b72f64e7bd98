import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SseDecoder } from '../../src/core/sse.js';
import type { ChatEvent, ChatResult } from '../../src/core/types.js';
import { bytes, chunksAt, collect, fixture, fixtureNames, streamOf } from './helpers.js';

// Fixed seed: a failure replays identically.
const seed = 20_261_125;

/** Events and result of a stream fed as `chunks`; an error becomes `{ error }`. */
async function run(chunks: Uint8Array[]): Promise<{ events: ChatEvent[]; result: ChatResult } | { error: unknown }> {
  const { stream, open } = streamOf(chunks);
  expect(open.calls).toBe(1);
  try {
    return { events: await collect(stream), result: await stream.finalResult() };
  } catch (error) {
    return { error };
  }
}

/** Frames seen by the bare SSE decoder. */
function frames(chunks: Uint8Array[]): string[] {
  const out: string[] = [];
  const sse = new SseDecoder({ onData: (d) => out.push(d), onHeartbeat: () => out.push('') });
  for (const chunk of chunks) sse.push(chunk);
  expect(sse.end()).toBe(true);
  return out;
}

describe.each(fixtureNames)('%s under any chunking', (name) => {
  const whole = fixture(name);

  test('split at every byte boundary gives the same events as whole', async () => {
    const expected = await run([whole]);
    for (let i = 1; i < whole.length; i++) {
      expect(await run(chunksAt(whole, [i]))).toEqual(expected);
    }
  });

  test('random chunkings give the same events', async () => {
    const expected = await run([whole]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: whole.length }), { maxLength: 40 }), async (cuts) => {
        expect(await run(chunksAt(whole, cuts))).toEqual(expected);
      }),
      { seed, numRuns: 60 },
    );
  });

  test('one byte a chunk gives the same frames', () => {
    const single = Array.from(whole, (b) => new Uint8Array([b]));
    expect(frames(single)).toEqual(frames([whole]));
  });
});

describe('framing variants give the same events', () => {
  const text = (name: string) => new TextDecoder().decode(fixture(name));
  const names = fixtureNames.filter((n) => n !== 'error_unhandled.sse');

  test.each(names)('%s with CRLF line ends', async (name) => {
    const crlf = bytes(text(name).replaceAll('\n', '\r\n'));
    const expected = await run([fixture(name)]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: crlf.length }), { maxLength: 20 }), async (cuts) => {
        expect(await run(chunksAt(crlf, cuts))).toEqual(expected);
      }),
      { seed, numRuns: 30 },
    );
  });

  test.each(names)('%s with heartbeats between frames', async (name) => {
    const expected = await run([fixture(name)]);
    const withBeats = bytes(`: ping\n\n${text(name).replaceAll('\n\n', '\n\n: ping\n\ndata:\n\n')}`);
    const got = await run(chunksAt(withBeats, [7, 100, 101, 500]));
    if (!('events' in got) || !('events' in expected)) throw new Error('unexpected failure');
    expect(got.events.filter((e) => e.type !== 'heartbeat')).toEqual(expected.events);
    expect(got.events.filter((e) => e.type === 'heartbeat').length).toBeGreaterThan(1);
    expect(got.result).toEqual(expected.result);
  });

  test.each(names)('%s with each JSON spread over several data lines', async (name) => {
    const expected = await run([fixture(name)]);
    const multi = text(name)
      .split('\n\n')
      .filter((f) => f !== '')
      .map((f) => `${JSON.stringify(JSON.parse(f.slice('data: '.length)), null, 1).split('\n').map((l) => `data: ${l}`).join('\n')}\n\n`)
      .join('');
    expect(await run([bytes(multi)])).toEqual(expected);
  });
});
