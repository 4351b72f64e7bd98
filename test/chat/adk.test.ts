import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { adkBareErrorMessage, adkTimestampMs, decodeAdkEvent, parseAdkData } from '../../src/decoders/adk.js';
import { maxQuotedChars, quote } from '../../src/core/error-map.js';

const base = { invocationId: 'e-1', author: 'nemo_agent', id: 'abcdEFGH', actions: {}, timestamp: 1795610516397 };

describe('decodeAdkEvent', () => {
  test('gives one chat event per part, each keeping the ADK event on raw', () => {
    const event = {
      ...base,
      content: { role: 'model', parts: [{ text: 'Hi' }, { functionCall: { id: 'c1', name: 'add_bgm', args: { style: 'lofi' } } }] },
      partial: false,
    };
    const out = decodeAdkEvent(event);
    expect(out).toEqual([
      { type: 'text', text: 'Hi', partial: false, author: 'nemo_agent', raw: event },
      { type: 'tool_call', id: 'c1', name: 'add_bgm', args: { style: 'lofi' }, raw: event },
    ]);
    expect(out[0]?.raw).toBe(event);
  });

  test('marks partial text only when partial is true', () => {
    const [delta] = decodeAdkEvent({ ...base, content: { parts: [{ text: 'a' }] }, partial: true });
    const [plain] = decodeAdkEvent({ ...base, content: { parts: [{ text: 'a' }] } });
    expect(delta).toMatchObject({ type: 'text', partial: true });
    expect(plain).toMatchObject({ type: 'text', partial: false });
  });

  test('decodes function responses with their id, name and response', () => {
    const [result] = decodeAdkEvent({ ...base, content: { role: 'user', parts: [{ functionResponse: { id: 'c1', name: 'add_bgm', response: { error: 'x' } } }] } });
    expect(result).toMatchObject({ type: 'tool_result', id: 'c1', name: 'add_bgm', response: { error: 'x' } });
  });

  test('turns errorCode into an error event, and STOP into nothing', () => {
    expect(decodeAdkEvent({ ...base, errorCode: '429', errorMessage: 'quota' })).toMatchObject([{ type: 'error', code: '429', message: 'quota' }]);
    expect(decodeAdkEvent({ ...base, errorCode: 500 })).toMatchObject([{ type: 'error', code: '500', message: 'The agent stopped (500).' }]);
    expect(decodeAdkEvent({ ...base, errorCode: 'STOP' })).toEqual([]);
  });

  test('ignores metadata-only events and empty model replies', () => {
    expect(decodeAdkEvent({ ...base, usageMetadata: { totalTokenCount: 1 }, finishReason: 'STOP', partial: false })).toEqual([]);
    expect(decodeAdkEvent({ ...base, content: { role: 'model' } })).toEqual([]);
    expect(decodeAdkEvent({ ...base, content: { role: 'model', parts: [] } })).toEqual([]);
  });

  test('keeps unknown shapes as unknown events instead of throwing', () => {
    expect(decodeAdkEvent('not json')).toEqual([{ type: 'unknown', raw: 'not json' }]);
    expect(decodeAdkEvent([1, 2])).toEqual([{ type: 'unknown', raw: [1, 2] }]);
    expect(decodeAdkEvent({ foo: 1 })).toEqual([{ type: 'unknown', raw: { foo: 1 } }]);
    const odd = { ...base, content: { parts: [{ inlineData: { mimeType: 'image/png' } }, { text: 'thinking', thought: true }, null] } };
    expect(decodeAdkEvent(odd).map((e) => e.type)).toEqual(['unknown', 'unknown', 'unknown']);
    expect(decodeAdkEvent({ ...base, content: { parts: 'x' } })).toEqual([{ type: 'unknown', raw: { ...base, content: { parts: 'x' } } }]);
  });

  test('never throws and keeps raw by identity, on any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const out = decodeAdkEvent(value);
        expect(Array.isArray(out)).toBe(true);
        for (const event of out) expect(event.raw).toBe(value);
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe('parseAdkData and adkBareErrorMessage', () => {
  test('recognizes a bare error frame, valid JSON or not', () => {
    expect(adkBareErrorMessage(parseAdkData('{"error":"session quota exceeded"}'))).toBe('session quota exceeded');
    expect(adkBareErrorMessage(parseAdkData('{"error": "bad "quote" here"}'))).toBe('bad "quote" here');
    // Python's message with a newline: SSE keeps only the first line of the frame.
    expect(adkBareErrorMessage(parseAdkData('{"error": "line one'))).toBe('line one');
    expect(adkBareErrorMessage(parseAdkData('{"error":{"message":"nested"}}'))).toBe('nested');
    expect(adkBareErrorMessage(parseAdkData('{"error":42}'))).toBe('42');
  });

  test('does not mistake ADK events or other text for an error frame', () => {
    expect(adkBareErrorMessage(parseAdkData('{"invocationId":"e","error":"x","content":{}}'))).toBeUndefined();
    expect(adkBareErrorMessage(parseAdkData('{"errorCode":"429"}'))).toBeUndefined();
    expect(adkBareErrorMessage(parseAdkData('hello'))).toBeUndefined();
    expect(parseAdkData('hello')).toBe('hello');
  });

  test('recovers what the regex it replaced recovered, on any short text', () => {
    // The former code: right in what it kept, but cubic in time on a run of spaces (3 s for 2,000).
    const former = (data: string) => data.slice(data.indexOf(':') + 1).trim().replace(/^"/, '').replace(/"?\s*\}?\s*$/, '');
    const piece = fc.constantFrom('{', '}', '"', ' ', '\t', '\u3000', '\n', ':', 'x', ',', '\\', '"error"');
    fc.assert(
      fc.property(fc.constantFrom('{"error":', ' { "error" :', '{"error": "'), fc.array(fc.oneof(piece, fc.string()), { maxLength: 12 }), (head, rest) => {
        const data = head + rest.join('');
        const value = parseAdkData(data);
        let valid = true;
        try {
          JSON.parse(data);
        } catch {
          valid = false;
        }
        if (!valid) expect(value).toEqual({ error: former(data) });
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  test('hands on the whole message (quote() cuts it after redaction), also from a broken frame of a megabyte', () => {
    const long = 'quota exceeded '.repeat(1000);
    expect(adkBareErrorMessage(parseAdkData(JSON.stringify({ error: long })))).toBe(long);
    expect(adkBareErrorMessage({ error: { message: long } })).toBe(long);
    // A Python frame that is not JSON: a megabyte of spaces, then a letter.
    const spaces = adkBareErrorMessage(parseAdkData(`{"error": "${' '.repeat(1 << 20)}x`))!;
    expect(spaces.endsWith('x')).toBe(true);
    expect(quote(spaces)).toBe(`${' '.repeat(maxQuotedChars)}…`);
    // An emoji across the cut is dropped whole.
    expect(quote(`${'x'.repeat(maxQuotedChars - 1)}😀${'y'.repeat(10)}`)).toBe(`${'x'.repeat(maxQuotedChars - 1)}…`);
    expect(quote('x'.repeat(maxQuotedChars))).toBe('x'.repeat(maxQuotedChars));
  });

  test('never throws, on any text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const value = parseAdkData(text);
        const message = adkBareErrorMessage(value);
        expect(message === undefined || typeof message === 'string').toBe(true);
        expect(Array.isArray(decodeAdkEvent(value))).toBe(true);
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe('adkTimestampMs', () => {
  test('reads seconds below 1e11 and milliseconds above', () => {
    expect(adkTimestampMs(1732540000.123456)).toBe(1732540000123);
    expect(adkTimestampMs(1795610516397)).toBe(1795610516397);
    expect(adkTimestampMs('1')).toBeUndefined();
    expect(adkTimestampMs(Number.NaN)).toBeUndefined();
  });
});
