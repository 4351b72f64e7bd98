import { authenticate, readJson, requireSession, segment, type Call, type EmulatorState } from './context.js';
import { mediaBytes, stockVideoDurationSeconds, stockVideoSize } from './media.js';
import { boundaryOf, readMultipart, type PartInfo } from './multipart.js';
import type { Random } from './random.js';
import { failure, ok } from './reply.js';

/** An accepted upload kind. */
export type FileKind = 'video' | 'image' | 'audio';

/** Accepted extensions (docs/protocol.md › Endpoints). */
export const fileKinds: Record<string, FileKind> = {
  mp4: 'video',
  mov: 'video',
  avi: 'video',
  webm: 'video',
  mkv: 'video',
  jpg: 'image',
  jpeg: 'image',
  png: 'image',
  gif: 'image',
  webp: 'image',
  mp3: 'audio',
  wav: 'audio',
  m4a: 'audio',
  aac: 'audio',
};

const mimeKinds: Record<string, FileKind> = {
  'video/mp4': 'video',
  'video/quicktime': 'video',
  'video/x-msvideo': 'video',
  'video/avi': 'video',
  'video/webm': 'video',
  'video/x-matroska': 'video',
  'image/jpeg': 'image',
  'image/png': 'image',
  'image/gif': 'image',
  'image/webp': 'image',
  'audio/mpeg': 'audio',
  'audio/mp3': 'audio',
  'audio/wav': 'audio',
  'audio/x-wav': 'audio',
  'audio/wave': 'audio',
  'audio/mp4': 'audio',
  'audio/x-m4a': 'audio',
  'audio/aac': 'audio',
};

const supported = 'video mp4, mov, avi, webm, mkv; image jpg, png, gif, webp; audio mp3, wav, m4a, aac';

/** The kind of a file by its extension, else (no extension) by its MIME type; undefined when not accepted. */
export function kindOf(filename: string, mime?: string): FileKind | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
  if (ext) return fileKinds[ext];
  return mimeKinds[(mime ?? '').split(';')[0]?.trim().toLowerCase() ?? ''];
}

function unsupported(filename: string): never {
  throw failure(400, 4001, `Unsupported file type: ${filename}. Supported: ${supported}`);
}

function tooLarge(filename: string, maxBytes: number): never {
  throw failure(413, 4002, `File too large: ${filename} is over ${Math.round(maxBytes / 1024 / 1024)} MB. Compress or trim it.`);
}

function isStockMp4(head: Uint8Array): boolean {
  return head.length >= 8 && String.fromCharCode(...head.subarray(4, 8)) === 'ftyp';
}

function describe(random: Random, filename: string, kind: FileKind, origin: string, size?: number, head?: Uint8Array) {
  const id = `upl_${random.hex(10)}`;
  const ext = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase() ?? (kind === 'image' ? 'png' : kind === 'audio' ? 'mp3' : 'mp4');
  const file: Record<string, unknown> = { filename, file_type: kind, cdn_url: `${origin}/_emulator/media/${id}.${ext}` };
  // The emulator's own MP4 sent back (a round trip in tests) gets its true metadata.
  const real = kind === 'video' && head !== undefined && isStockMp4(head) && size === mediaBytes('video').length;
  if (kind !== 'image') file.duration = real ? stockVideoDurationSeconds : random.int(50, 600) / 10;
  if (kind === 'video') Object.assign(file, real ? stockVideoSize : { width: 1920, height: 1080 });
  if (kind === 'image') Object.assign(file, { width: 1080, height: 1080 });
  return { id, file, size };
}

async function fromParts(emu: EmulatorState, call: Call, boundary: string) {
  const body = call.request.body;
  if (!body) throw failure(400, 400, 'Empty multipart body');
  const maxBytes = emu.options.maxUploadBytes;
  const check = (part: PartInfo) => {
    if (part.name !== 'files') return;
    const name = part.filename ?? '';
    if (!kindOf(name, part.contentType)) unsupported(name || '(no name)');
  };
  const parts = await readMultipart(body, boundary, {
    onPart: check,
    onSize: (part) => {
      if (part.name === 'files' && part.size > maxBytes) tooLarge(part.filename ?? 'file', maxBytes);
    },
    onBytes: (total) => {
      call.entry.bodyBytes = total;
    },
  });
  const files = parts.filter((p) => p.name === 'files');
  if (files.length === 0) throw failure(400, 400, 'No part named "files" in the upload');
  return files.map((p) => {
    const name = p.filename || 'upload';
    return describe(emu.random, name, kindOf(name, p.contentType) as FileKind, call.origin, p.size, p.head);
  });
}

async function fromUrls(emu: EmulatorState, call: Call) {
  const body = await readJson(call);
  const urls = body.urls;
  if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string' && /^https?:\/\//i.test(u))) {
    throw failure(400, 400, 'Send {"urls":["https://…"],"source_type":"url"}');
  }
  return (urls as string[]).map((url) => {
    const last = new URL(url).pathname.split('/').filter(Boolean).pop() ?? '';
    const name = segment(last) || 'video';
    const hasExt = /\.[A-Za-z0-9]+$/.test(name);
    const kind = hasExt ? kindOf(name) : 'video';
    if (!kind) unsupported(name);
    return describe(emu.random, name, kind, call.origin);
  });
}

/**
 * `POST /api/upload-video/nemo_agent/me/<sid>`: multipart parts named `files` (streamed and
 * counted, never held) or JSON `{urls}`. Type (4001) and size (4002) are checked per file, and
 * nothing lands in the state unless every file passes.
 */
export async function upload(emu: EmulatorState, call: Call, sessionId: string): Promise<Response> {
  const token = authenticate(emu, call, 'upload');
  const session = requireSession(emu, sessionId, token);
  const boundary = boundaryOf(call.request.headers.get('content-type'));
  const files = boundary ? await fromParts(emu, call, boundary) : await fromUrls(emu, call);
  for (const { id, file, size } of files) {
    session.state.video_infos.push({ id, ...file, ...(size === undefined ? {} : { size }), source: boundary ? 'upload' : 'url' });
    if (file.file_type === 'video') {
      session.state.video_analyses[id] = { summary: `Uploaded clip ${String(file.filename)}`, scenes: emu.random.int(1, 6) };
    }
  }
  return ok({ files: files.map((f) => f.file), session_state_applied: true });
}
