import { mkdirSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { errorOf, resultOf, run, serve, useCliServer, type Run } from './helpers.js';

// Every run shares one registered token, so they see the same sessions.
const token = 'nmv_usr_cli_checks_0001';
const ctx = useCliServer();

const cli = (argv: string[], options: Parameters<typeof run>[1] = {}) =>
  run([...argv, '--base-url', ctx.server!.url, '--token', token, '--poll-interval', '250'], options);
const requests = (path: string | RegExp, method?: string) =>
  ctx.server!.emulator.inspect().requests.filter((r) => (typeof path === 'string' ? r.path === path : path.test(r.path)) && (!method || r.method === method));
const renderSubmits = () => requests('/api/render/proxy/lambda', 'POST');

/** A session whose draft is ready to export, made through the CLI. */
async function readySession(): Promise<string> {
  const r = await cli(['generate', 'a 10-second video about a lighthouse', '--no-export', '--json']);
  expect(r.code).toBe(0);
  return String(resultOf(r).sessionId);
}

// The render id the emulator holds for a session (the one the run paid for).
function renderIdsOf(sessionId: string): string[] {
  return (ctx.server!.emulator.inspect().renders as { id: string; sessionId: string }[]).filter((r) => r.sessionId === sessionId).map((r) => r.id);
}

// Makes `path` a folder as soon as the run reports render progress: the render goes on, the
// check of --out passed, and saving the video then fails (a rename onto a folder).
const folderDuringRender = (path: string) => (text: string) => {
  if (text.includes('"phase":"render"')) mkdirSync(path, { recursive: true });
};

describe('ids on the command line are checked before any request', () => {
  const bad: [string, string][] = [
    ['two dots', '..'],
    ['a path', '../credits'],
    ['a slash', 'sess/1'],
    ['a query', 'sess?x=1'],
    ['a percent escape', '%2e%2e'],
    ['a backslash', 'a\\b'],
    ['an escape sequence', '\u001b[2Jsess'],
  ];
  const lines: [string, (id: string) => string[], string][] = [
    ['state <session>', (id) => ['state', id], '<session>'],
    ['chat <session>', (id) => ['chat', id, 'add a title'], '<session>'],
    ['upload <session>', (id) => ['upload', id, 'https://example.com/a.mp4'], '<session>'],
    ['export <session>', (id) => ['export', id], '<session>'],
    ['export --resume', (id) => ['export', 'sess_1', '--resume', id], '--resume'],
  ];
  describe.each(lines)('%s', (_, argv, what) => {
    test.each(bad)('refuses %s: exit 2, one line, nothing sent', async (_kind, id) => {
      ctx.server = await serve({ tokens: [token] });
      const r = await cli(argv(id));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^Error: ${what.replace(/[-<>]/g, '\\$&')} is not a valid id: ".*"\\. An id is never`));
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      // eslint-disable-next-line no-control-regex
      expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
      expect(ctx.server.emulator.inspect().requests).toHaveLength(0);
    });
  });

  test('--json gives a UsageError with the id escaped', async () => {
    ctx.server = await serve({ tokens: [token] });
    const r = await cli(['state', 'a\nb', '--json']);
    expect(r.code).toBe(2);
    expect(errorOf(r)).toMatchObject({ name: 'UsageError', exitCode: 2, message: expect.stringContaining('"a\\nb"') });
    expect(ctx.server.emulator.inspect().requests).toHaveLength(0);
  });
});

describe('--out is checked before a render is submitted', () => {
  test('export with a folder as --out: exit 2 and no render request', async () => {
    ctx.server = await serve({ tokens: [token] });
    const sessionId = await readySession();
    const folder = join(ctx.home, 'videos');
    await mkdir(folder, { recursive: true });
    const before = ctx.server.emulator.inspect().requests.length;
    const r = await cli(['export', sessionId, '--out', folder]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: --out .*videos is a folder: give a file name, e\.g\. --out .*video\.mp4/);
    expect(ctx.server.emulator.inspect().requests).toHaveLength(before);
    expect(renderSubmits()).toHaveLength(0);
  });

  test('export with --out ending in a separator, or under a file: exit 2 and no render request', async () => {
    ctx.server = await serve({ tokens: [token] });
    const sessionId = await readySession();
    const file = join(ctx.home, 'not-a-folder.txt');
    await writeFile(file, 'x');
    for (const out of [`${join(ctx.home, 'new-folder')}/`, join(file, 'video.mp4')]) {
      const r = await cli(['export', sessionId, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^Error: --out /);
    }
    expect(renderSubmits()).toHaveLength(0);
  });

  test('generate with a folder as --out: exit 2 before the session is even made', async () => {
    ctx.server = await serve({ tokens: [token] });
    const r = await cli(['generate', 'a coffee ad', '--out', ctx.home, '--json']);
    expect(r.code).toBe(2);
    expect(errorOf(r)).toMatchObject({ name: 'UsageError', message: expect.stringContaining('is a folder') });
    expect(ctx.server.emulator.inspect().requests).toHaveLength(0);
  });

  test('a missing folder of --out is made and the video saved there; no probe file is left', async () => {
    ctx.server = await serve({ tokens: [token] });
    const sessionId = await readySession();
    const out = join(ctx.home, 'made', 'deep', 'clip.mp4');
    const r = await cli(['export', sessionId, '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(resultOf(r)).toMatchObject({ out, bytes: expect.any(Number) });
    expect((await stat(out)).size).toBeGreaterThan(0);
    expect(await readdir(join(ctx.home, 'made', 'deep'))).toEqual(['clip.mp4']);
  });
});

describe('a failure after the render is paid for tells how to resume', () => {
  const expectResumeHint = (r: Run, sessionId: string) => {
    const [renderId] = renderIdsOf(sessionId);
    expect(renderId).toMatch(/^render_/);
    expect(r.stderr).toContain(`nemovideo export ${sessionId} --resume ${renderId}`);
    return renderId!;
  };

  test('export: saving fails after the render (the target became a folder) → exit 1 and the resume hint', async () => {
    ctx.server = await serve({ tokens: [token] });
    const sessionId = await readySession();
    const jsonOut = join(ctx.home, 'became-a-folder.mp4');
    // --json: the progress lines on stdout tell the hook when the render is under way.
    const j = await cli(['export', sessionId, '--out', jsonOut, '--json'], { onStdout: folderDuringRender(jsonOut) });
    expect(j.code).toBe(1);
    const error = errorOf(j);
    const renderId = renderIdsOf(sessionId).at(-1)!;
    expect(error).toMatchObject({ name: 'DownloadFailedError', sessionId, renderId, code: 'EISDIR' });
    expect(error.hint).toBe(`Nothing is paid again: nemovideo export ${sessionId} --resume ${renderId} --out <file>`);
    expect(String(error.message)).toContain(`could not be saved to ${jsonOut}`);
    expect(renderSubmits().length).toBeGreaterThanOrEqual(1);
  });

  test('export: the download fails after the render → one line with the real render id', async () => {
    ctx.server = await serve({ tokens: [token], faults: { errors: [{ path: /^\/_emulator\/media\//, status: 404 }, { path: /\/download$/, status: 404 }] } });
    const sessionId = await readySession();
    const r = await cli(['export', sessionId, '--out', join(ctx.home, 'never.mp4')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: The video was rendered but could not be saved to .*never\.mp4: /m);
    expectResumeHint(r, sessionId);
    expect(renderSubmits()).toHaveLength(1);
  });

  test('generate: saving fails after the render → exit 1 and the resume hint with the render id', async () => {
    ctx.server = await serve({ tokens: [token] });
    const out = join(ctx.home, 'generate-became-a-folder.mp4');
    const r = await cli(['generate', 'a 10-second video about a lighthouse', '--out', out, '--json'], { onStdout: folderDuringRender(out) });
    expect(r.code).toBe(1);
    const error = errorOf(r);
    const sessionId = String(error.sessionId);
    const [renderId] = renderIdsOf(sessionId);
    expect(renderId).toMatch(/^render_/);
    expect(error).toMatchObject({ name: 'DownloadFailedError', renderId, code: 'EISDIR' });
    expect(String(error.hint)).toContain(`nemovideo export ${sessionId} --resume ${renderId}`);
  });
});

describe('upload refuses an empty file or an unsupported type before sending', () => {
  test.each([
    ['an empty .mp4', 'empty.mp4', '', /^Error: \/.*\/empty\.mp4 is empty \(0 bytes\): there is nothing to upload\.\n$/],
    ['a .pdf', 'brief.pdf', '%PDF-1.7', /^Error: Unsupported file type: "brief\.pdf"/],
  ])('%s: exit 2 and no upload request', async (_, name, content, message) => {
    ctx.server = await serve({ tokens: [token] });
    const file = join(ctx.home, name);
    await writeFile(file, content);
    const r = await cli(['upload', 'sess_any', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toContain('✓');
    expect(ctx.server.emulator.inspect().requests).toHaveLength(0);
  });
});

describe('a base URL with a password is refused without printing it', () => {
  const password = 'S3cret-pw';
  test.each([
    ['--base-url', (url: string) => ({ argv: ['credits', '--base-url', url.replace('://', `://admin:${password}@`)], env: {} })],
    ['NEMO_API_URL', (url: string) => ({ argv: ['credits'], env: { NEMO_API_URL: url.replace('://', `://admin:${password}@`) } })],
    ['NEMO_WEB_URL', (url: string) => ({ argv: ['credits', '--base-url', url], env: { NEMO_WEB_URL: `https://nemovideo.test/?t=${password}` } })],
  ])('%s: exit 2, nothing sent, no password', async (name, make) => {
    ctx.server = await serve({ tokens: [token] });
    const { argv, env } = make(ctx.server.url);
    const r = await run([...argv, '--token', token, '--json'], { env });
    expect(r.code).toBe(2);
    expect(errorOf(r)).toMatchObject({ name: 'UsageError', message: expect.stringMatching(new RegExp(`^${name} must not carry`)) });
    expect(r.stdout + r.stderr).not.toContain(password);
    expect(ctx.server.emulator.inspect().requests).toHaveLength(0);
  });
});
