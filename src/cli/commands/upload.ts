/**
 * `nemovideo upload <session> <file|url>…`: local files streamed from disk (one request) and
 * URLs the backend fetches (another), with a bar for the bytes sent.
 * @module
 */
import { stat } from 'node:fs/promises';
import type { UploadedFile, UploadFile } from '../../index.js';
import { fileFromPath } from '../../node/index.js';
import type { Context } from '../context.js';
import { exitCodes, fsSentence, UsageError } from '../errors.js';
import { withoutRaw } from '../ui/json.js';
import { checkId } from './shared.js';

const isUrl = (input: string) => /^[a-z][a-z\d+.-]*:\/\//i.test(input);

// The SDK's rule for upload URLs, checked here so that no file is sent before a bad URL is refused.
const isHttpUrl = (input: string) => URL.canParse(input) && /^https?:$/.test(new URL(input).protocol);

/** Opens a file to upload, or says in plain words why it cannot be (`File not found: <path>`). */
async function openInput(path: string): Promise<UploadFile> {
  const info = await stat(path).catch((error: unknown) => {
    throw new UsageError(fsSentence(error, path) ?? `Cannot read ${path}: ${(error as Error).message}`);
  });
  if (info.isDirectory()) throw new UsageError(`${path} is a folder: name the files in it, e.g. ${path.replace(/[/\\]+$/, '')}/*.mp4`);
  if (!info.isFile()) throw new UsageError(`${path} is not a regular file.`);
  if (info.size === 0) throw new UsageError(`${path} is empty (0 bytes): there is nothing to upload.`);
  return fileFromPath(path).catch((error: unknown) => {
    throw new UsageError(fsSentence(error, path) ?? `Cannot read ${path}: ${(error as Error).message}`);
  });
}

/** `video 3s 320×180`. */
function describeFile(file: UploadedFile): string {
  const size = file.width && file.height ? ` ${file.width}×${file.height}` : '';
  const duration = file.duration !== undefined ? ` ${file.duration}s` : '';
  return `${file.fileType || 'file'}${duration}${size}`;
}

/** Runs `upload`; resolves with the exit code. Every input is checked before a byte is sent. */
export async function uploadCommand(ctx: Context, sessionId: string, inputs: string[]): Promise<number> {
  const { ui, nemo, ids, signal } = ctx;
  checkId(sessionId, '<session>');
  ids.sessionId = sessionId;
  const urls = inputs.filter(isUrl);
  for (const url of urls) {
    if (!isHttpUrl(url)) throw new UsageError(`Only http(s) URLs can be uploaded, got ${JSON.stringify(url)}.`);
  }
  // Opening every file first: a missing one fails the run before anything is sent.
  const files: UploadFile[] = [];
  for (const path of inputs.filter((input) => !isUrl(input))) files.push(await openInput(path));
  const uploaded: UploadedFile[] = [];
  let applied = true;
  if (files.length > 0) {
    const bar = ui.bar('Uploading  ', 'bytes');
    try {
      const result = await nemo.uploads.create(sessionId, { files }, {
        signal,
        onProgress: ({ loaded, total }) => {
          bar.update(loaded, total);
          ui.json({ progress: { phase: 'upload', sessionId, loaded, total } });
        },
      });
      uploaded.push(...result.files);
      applied &&= result.sessionStateApplied;
    } finally {
      bar.stop();
    }
  }
  if (urls.length > 0) {
    ui.status(`Sending ${urls.length} URL${urls.length === 1 ? '' : 's'}`);
    const result = await nemo.uploads.create(sessionId, { urls }, { signal });
    ui.stopStatus();
    uploaded.push(...result.files);
    applied &&= result.sessionStateApplied;
  }
  ui.json({ result: { sessionId, files: withoutRaw(uploaded), sessionStateApplied: applied } });
  for (const file of uploaded) ui.print(`${ui.style.green('✓')} ${file.filename}  ${ui.style.dim(describeFile(file))}  ${file.cdnUrl}`);
  if (!applied) ui.warn('The files were uploaded but not added to the session yet: mention them in your next message.');
  return exitCodes.ok;
}
