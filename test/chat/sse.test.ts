import { describe, expect, test } from 'vitest';
import { SseDecoder } from '../../src/core/sse.js';
import { bytes } from './helpers.js';

/** Feeds `chunks` to a decoder and records what it delivers. */
function decode(chunks: Array<string | Uint8Array>): { out: string[]; clean: boolean } {
  const out: string[] = [];
  const sse = new SseDecoder({ onData: (d) => out.push(`data ${d}`), onHeartbeat: (c) => out.push(`beat ${c}`) });
  for (const chunk of chunks) sse.push(typeof chunk === 'string' ? bytes(chunk) : chunk);
  return { out, clean: sse.end() };
}

describe('SseDecoder', () => {
  test('splits LF frames', () => {
    expect(decode(['data: {"a":1}\n\ndata: {"b":2}\n\n'])).toEqual({ out: ['data {"a":1}', 'data {"b":2}'], clean: true });
  });

  test('handles CRLF and bare CR line ends, even split between chunks', () => {
    expect(decode(['data: {"a":1}\r', '\n\r\ndata: {"b":2}\r\r'])).toEqual({ out: ['data {"a":1}', 'data {"b":2}'], clean: true });
  });

  test('reports comment lines and blank data as heartbeats', () => {
    expect(decode([': ping\n\ndata:\n\ndata: \n\n:\n\ndata: {"a":1}\n\n'])).toEqual({
      out: ['beat ping', 'beat ', 'beat ', 'beat ', 'data {"a":1}'],
      clean: true,
    });
  });

  test('joins multi-line data with a newline', () => {
    expect(decode(['data: {"a":\ndata: 1}\n\n']).out).toEqual(['data {"a":\n1}']);
  });

  test('ignores event, id and retry fields', () => {
    expect(decode(['event: message\nid: 7\nretry: 1000\ndata: {"a":1}\n\n']).out).toEqual(['data {"a":1}']);
  });

  test('decodes a UTF-8 character split between chunks', () => {
    const all = bytes('data: {"t":"🐱é"}\n\n');
    const cut = all.indexOf(0xf0) + 2; // inside the 4-byte cat
    expect(decode([all.subarray(0, cut), all.subarray(cut, cut + 3), all.subarray(cut + 3)]).out).toEqual(['data {"t":"🐱é"}']);
  });

  test('strips a leading byte order mark', () => {
    expect(decode([new Uint8Array([0xef, 0xbb]), new Uint8Array([0xbf]), 'data: {"a":1}\n\n']).out).toEqual(['data {"a":1}']);
  });

  test('says the body ended inside a frame, and drops that frame', () => {
    expect(decode(['data: {"a":1}\n\ndata: {"b"'])).toEqual({ out: ['data {"a":1}'], clean: false });
    expect(decode(['data: {"a":1}\n'])).toEqual({ out: [], clean: false });
    expect(decode(['data: {"a":1}\r'])).toEqual({ out: [], clean: false });
  });

  test('treats a body ending after a comment or an empty body as clean', () => {
    expect(decode(['data: {"a":1}\n\n: ping'])).toEqual({ out: ['data {"a":1}', 'beat ping'], clean: true });
    expect(decode([])).toEqual({ out: [], clean: true });
  });
});
