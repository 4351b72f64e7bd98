/**
 * `nemovideo upload <session> <file|url>…`: local files streamed from disk (one request) and
 * URLs the backend fetches (another), with a bar for the bytes sent.
 * @module
 */
import type { UploadedFile } from '../../index.js';
import { fileFromPath } from '../../node/index.js';
import type { Context } from '../context.js';
import { exitCodes, UsageError } from '../errors.js';
import { withoutRaw } from '../ui/json.js';
import { checkId } from './shared.js';

const isUrl = (input: string) => /^[a-z][a-z\d+.-]*:\/\//i.test(input);


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
    if (!/^https?:\/\//i.test(url)) throw new UsageError(`Only http(s) URLs can be uploaded, got ${url}.`);
  }
  // Opening every file first: a missing one fails the run before anything is sent.
  const files = await Promise.all(inputs.filter((input) => !isUrl(input)).map((path) => fileFromPath(path)));
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
