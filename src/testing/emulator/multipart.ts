/** One part of a `multipart/form-data` body, without its content (only counted). */
export interface PartInfo {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  size: number;
  /** The first bytes (up to 16), to recognise a file by its signature. */
  head: Uint8Array;
}

/** Checks a part as soon as its headers are read (throw to stop), and as its size grows. */
export interface PartHooks {
  onPart?(part: PartInfo): void;
  onSize?(part: PartInfo): void;
  /** Bytes read from the body so far. */
  onBytes?(total: number): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Reads the boundary of a `multipart/form-data` Content-Type. */
export function boundaryOf(contentType: string | null): string | undefined {
  const match = /multipart\/form-data.*?;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return match?.[1] ?? match?.[2];
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  for (let i = haystack.indexOf(first as number, from); i >= 0 && i <= haystack.length - needle.length; i = haystack.indexOf(first as number, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function parseHeaders(text: string): Pick<PartInfo, 'name' | 'filename' | 'contentType'> {
  let name = '';
  let filename: string | undefined;
  let contentType: string | undefined;
  for (const line of text.split('\r\n')) {
    const [key = '', ...rest] = line.split(':');
    const value = rest.join(':').trim();
    if (key.trim().toLowerCase() === 'content-type') contentType = value;
    if (key.trim().toLowerCase() !== 'content-disposition') continue;
    name = /\bname="([^"]*)"/i.exec(value)?.[1] ?? name;
    const star = /\bfilename\*=(?:UTF-8'')?([^;]+)/i.exec(value)?.[1];
    filename = star ? decodeURIComponent(star.trim()) : (/\bfilename="([^"]*)"/i.exec(value)?.[1] ?? filename);
  }
  return { name, filename, contentType };
}

/**
 * Streams a multipart body and counts each part's bytes, keeping none of them, so a 500 MB
 * upload costs no memory. Hooks may throw to stop early; the rest of the body is then left unread.
 */
export async function readMultipart(body: ReadableStream<Uint8Array>, boundary: string, hooks: PartHooks = {}): Promise<PartInfo[]> {
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  const parts: PartInfo[] = [];
  const reader = body.getReader();
  // The first boundary has no CRLF before it: add one so every boundary looks the same.
  let buffer: Uint8Array = encoder.encode('\r\n');
  let state: 'preamble' | 'after-boundary' | 'headers' | 'body' | 'done' = 'preamble';
  let part: PartInfo | undefined;
  let total = 0;
  let ended = false;
  const addToPart = (bytes: Uint8Array) => {
    if (!part || bytes.length === 0) return;
    if (part.head.length < 16) part.head = concat(part.head, bytes.subarray(0, 16 - part.head.length));
    part.size += bytes.length;
    hooks.onSize?.(part);
  };
  try {
    while (state !== 'done') {
      let progressed = true;
      while (progressed && state !== 'done') {
        progressed = false;
        if (state === 'preamble' || state === 'body') {
          const at = indexOf(buffer, delimiter);
          if (at >= 0) {
            if (state === 'body' && part) {
              addToPart(buffer.subarray(0, at));
              parts.push(part);
              part = undefined;
            }
            buffer = buffer.subarray(at + delimiter.length);
            state = 'after-boundary';
            progressed = true;
          } else if (state === 'body' && buffer.length > delimiter.length) {
            // All but a possible delimiter start is content: count it and let it go.
            addToPart(buffer.subarray(0, buffer.length - delimiter.length));
            buffer = buffer.subarray(buffer.length - delimiter.length);
          }
        } else if (state === 'after-boundary' && buffer.length >= 2) {
          if (buffer[0] === 45 && buffer[1] === 45) state = 'done';
          else {
            const lineEnd = indexOf(buffer, encoder.encode('\r\n'));
            if (lineEnd < 0) break;
            buffer = buffer.subarray(lineEnd + 2);
            state = 'headers';
          }
          progressed = true;
        } else if (state === 'headers') {
          const end = indexOf(buffer, encoder.encode('\r\n\r\n'));
          if (end >= 0) {
            part = { ...parseHeaders(decoder.decode(buffer.subarray(0, end))), size: 0, head: new Uint8Array(0) };
            hooks.onPart?.(part);
            buffer = buffer.subarray(end + 4);
            state = 'body';
            progressed = true;
          }
        }
      }
      if ((state as string) === 'done') break;
      if (ended) throw new SyntaxError('Multipart body ended before its closing boundary');
      const { value, done } = await reader.read();
      if (done) ended = true;
      else {
        total += value.length;
        hooks.onBytes?.(total);
        buffer = concat(buffer, value);
      }
    }
  } finally {
    // Not cancelled: undici's FormData body throws "already closed" when cancelled midway. An
    // unread rest is dropped with the request (the HTTP server closes such connections).
    reader.releaseLock();
  }
  return parts;
}
