import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NemoVideo } from '../../src/index.js';
import { ansi, errorOf, resultOf, run, serve, useCliServer } from './helpers.js';

// Every run and the SDK share one registered token, so they see the same sessions.
const token = 'nmv_usr_cli_tests_0001';
const ctx = useCliServer();

const cli = (argv: string[]) => run([...argv, '--base-url', ctx.server!.url, '--token', token, '--poll-interval', '250']);
const requests = (path: string | RegExp, method?: string) =>
  ctx.server!.emulator.inspect().requests.filter((r) => (typeof path === 'string' ? r.path === path : path.test(r.path)) && (!method || r.method === method));

/** A session whose draft is ready (video, music and title), made through the CLI. */
async function readySession(): Promise<string> {
  const r = await cli(['generate', 'a 10-second video about a lighthouse', '--no-export', '--json']);
  expect(r.code).toBe(0);
  return String(resultOf(r).sessionId);
}

describe('nemovideo state / credits', () => {
  test('state prints the summary and counts; --json has them as fields', async () => {
    ctx.server = await serve({ tokens: [token] });
    const sessionId = await readySession();
    const human = await cli(['state', sessionId]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Timeline \(3 tracks\): 1\. Video:/);
    expect(human.stdout).toContain('3 tracks, 3 segments');
    expect(human.stdout).toContain(`nemovideo export ${sessionId}`);
    const json = await cli(['state', sessionId, '--json']);
    expect(resultOf(json)).toMatchObject({ sessionId, tracks: 3, segments: 3, uploads: 0, generated: 1, exportable: true });
  });

  test('credits prints the balance', async () => {
    ctx.server = await serve({ tokens: [token] });
    const r = await cli(['credits', '--json']);
    expect(r.code).toBe(0);
    expect(resultOf(r)).toEqual({ available: expect.any(Number), frozen: 0, total: expect.any(Number) });
  });

  test('an unknown session is one line with exit 1', async () => {
    ctx.server = await serve({ tokens: [token] });
    const r = await cli(['state', 'sess_missing']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((line) => line.startsWith('Error'))).toEqual([
      'Error: Session sess_missing was not found: it expired after being idle, or it was made by another user (another token or client id). ' +
        'This run used the --token you gave: pass the token that made the session. To start again: nemovideo generate "<prompt>"',
    ]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('nemovideo export', () => {
  test('renders the session and downloads the MP4', async () => {
    ctx.server = await serve({ tokens: [token] });
    const sessionId = await readySession();
    const out = join(ctx.home, 'export.mp4');
    const r = await cli(['export', sessionId, '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(resultOf(r)).toMatchObject({ sessionId, status: 'completed', url: expect.stringContaining('/_emulator/media/'), out, bytes: expect.any(Number) });
    expect((await readFile(out)).subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(requests('/api/render/proxy/lambda', 'POST')).toHaveLength(1);
  });

  test('--resume follows a render submitted earlier and submits nothing new', async () => {
    ctx.server = await serve({ tokens: [token], renderTimeMs: 800 });
    const sessionId = await readySession();
    const nemo = new NemoVideo({ baseURL: ctx.server.url, token });
    const state = await nemo.state.latest(sessionId);
    const { id } = await nemo.render.create({ sessionId, draft: state.draft! });
    const out = join(ctx.home, 'resumed.mp4');
    const r = await cli(['export', sessionId, '--resume', id, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Render: ${id}`);
    expect((await readFile(out)).subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(requests('/api/render/proxy/lambda', 'POST')).toHaveLength(1); // the SDK's submit only
    expect(requests(`/api/render/proxy/lambda/${id}`, 'GET').length).toBeGreaterThan(0);
  });

  test('an empty session has nothing to export: exit 7 and a hint', async () => {
    ctx.server = await serve({ tokens: [token] });
    const nemo = new NemoVideo({ baseURL: ctx.server.url, token });
    const { sessionId } = await nemo.sessions.create({ language: 'en' });
    const r = await cli(['export', sessionId, '--json']);
    expect(r.code).toBe(7);
    expect(errorOf(r)).toMatchObject({ name: 'NothingToExportError', sessionId });
    expect(requests('/api/render/proxy/lambda', 'POST')).toHaveLength(0);
  });
});

describe('nemovideo upload', () => {
  test('uploads a local .mp4 with progress and a URL; prints the CDN links', async () => {
    ctx.server = await serve({ tokens: [token] });
    const nemo = new NemoVideo({ baseURL: ctx.server.url, token });
    const { sessionId } = await nemo.sessions.create({ language: 'en' });
    const file = join(ctx.home, 'clip.mp4');
    await writeFile(file, new Uint8Array(200_000).fill(7));
    const r = await cli(['upload', sessionId, file, 'https://example.com/b-roll.mov', '--json']);
    expect(r.code).toBe(0);
    const result = resultOf(r) as { files: { filename: string; cdnUrl: string }[] };
    expect(result.files.map((f) => f.filename)).toEqual(['clip.mp4', 'b-roll.mov']);
    expect(result.files.every((f) => f.cdnUrl.startsWith('http'))).toBe(true);
    const upload = r.lines.filter((l) => (l.progress as { phase?: string } | undefined)?.phase === 'upload');
    expect(upload.at(-1)?.progress).toMatchObject({ loaded: 200_000, total: 200_000 });
    expect(requests(/^\/api\/upload-video\//)).toHaveLength(2);
    const plain = await cli(['upload', sessionId, file]);
    expect(plain.stdout).toMatch(/^✓ clip\.mp4 {2}video/);
    expect(plain.stdout + plain.stderr).not.toMatch(ansi);
  });

  test('rejects an .exe before sending anything: exit 2', async () => {
    ctx.server = await serve({ tokens: [token] });
    const file = join(ctx.home, 'setup.exe');
    await writeFile(file, 'MZ');
    const r = await cli(['upload', 'sess_any', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: Unsupported file type: "setup\.exe"/);
    expect(ctx.server.emulator.inspect().requests).toHaveLength(0);
  });

  test('a missing file is a usage error and nothing is sent', async () => {
    ctx.server = await serve({ tokens: [token] });
    const r = await cli(['upload', 'sess_any', join(ctx.home, 'nope.mp4')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`Error: File not found: ${join(ctx.home, 'nope.mp4')}\n`);
    expect(ctx.server.emulator.inspect().requests).toHaveLength(0);
  });
});
