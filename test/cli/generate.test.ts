import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { RunningEmulator } from '../../src/testing/index.js';
import { ansi, errorOf, resultOf, run, serve, useCliServer } from './helpers.js';

const ctx = useCliServer();

const prompt = 'a 30-second video about a coffee brand launch';
const runSse = (emu: RunningEmulator) => emu.emulator.inspect().requests.filter((r) => r.path === '/run_sse');

describe('nemovideo generate --emulator', () => {
  test('--json prints event, progress and result lines with the session, summary and url; exit 0', async () => {
    const r = await run(['generate', prompt, '--emulator', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n').every((line) => line.startsWith('{'))).toBe(true);
    const result = resultOf(r);
    expect(result.sessionId).toMatch(/\S/);
    expect(result.summary).toMatch(/^Timeline \(3 tracks\): 1\. Video: .* 2\. BGM: .* 3\. Title: "/);
    expect(result.url).toMatch(/^http:\/\/emulator\.invalid\/_emulator\/media\/.+\.mp4$/);
    expect(result.renderId).toMatch(/^render_\d+_[0-9a-f]+$/);
    expect(result.claimUrl).toContain('/workspace/claim?ct=');
    expect(r.lines.some((l) => (l.event as { type?: string } | undefined)?.type === 'tool_call')).toBe(true);
    const phases = r.lines.flatMap((l) => (l.progress ? [(l.progress as { phase: string }).phase] : []));
    expect(phases).toEqual(expect.arrayContaining(['session', 'state', 'render', 'done']));
  });

  test('--out writes a real MP4 and prints the timeline, the path and the claim link without escape codes', async () => {
    const out = join(ctx.home, 'videos', 'coffee.mp4');
    const r = await run(['generate', prompt, '--emulator', '--out', out]);
    expect(r.code).toBe(0);
    const bytes = await readFile(out);
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(r.stdout).toContain('Timeline (3 tracks)');
    expect(r.stdout).toContain(`Saved:  ${out}`);
    expect(r.stdout).toContain('Open in NemoVideo: https://nemovideo.com/workspace/claim?ct=');
    expect(r.stderr).toMatch(/^Rendering 100%$/m);
    expect(r.stdout + r.stderr).not.toMatch(ansi);
    expect((await readdir(join(ctx.home, 'videos'))).filter((name) => name.endsWith('.part'))).toEqual([]);
  });

  test('on a terminal it draws a spinner and bars on stderr and keeps the results on stdout', async () => {
    // The spinner library turns animation off when `CI` is set (as it is in our CI): unset it here.
    const ci = process.env.CI;
    delete process.env.CI;
    const r = await run(['generate', prompt, '--emulator', '--no-export'], { tty: true }).finally(() => {
      if (ci !== undefined) process.env.CI = ci;
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(ansi);
    expect(r.stderr).toContain('Agent working');
    expect(r.stdout).toContain('Timeline (3 tracks)');
  });
});

describe('nemovideo generate --base-url (HTTP emulator)', () => {
  test('saves the client id and the token under $HOME/.config/nemovideo/hosts/<host>, mode 0600, beside (not over) the production identity', async () => {
    ctx.server = await serve();
    const r = await run(['generate', prompt, '--base-url', ctx.server.url, '--no-export', '--json', '--poll-interval', '250']);
    expect(r.code).toBe(0);
    expect(resultOf(r)).toMatchObject({ sessionId: expect.any(String), summary: expect.stringMatching(/^Timeline \(3 tracks\)/) });
    expect(resultOf(r).url).toBeUndefined();
    const dir = join(ctx.home, '.config', 'nemovideo', 'hosts', new URL(ctx.server.url).host.replace(':', '_'));
    const clientId = (await readFile(join(dir, 'client_id'), 'utf8')).trim();
    const saved = JSON.parse(await readFile(join(dir, 'credentials.json'), 'utf8')) as { token: string };
    expect(clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(saved.token).toMatch(/^nmv_usr_/);
    expect((await stat(join(dir, 'credentials.json'))).mode & 0o777).toBe(0o600);
    expect(ctx.server.emulator.inspect().requests.filter((q) => q.path === '/api/auth/anonymous-token')).toHaveLength(1);
    // Nothing was written where the production API's identity lives.
    expect(await readdir(join(ctx.home, '.config', 'nemovideo'))).toEqual(['hosts']);

    // The next run reuses the saved token: no new anonymous token.
    const again = await run(['credits', '--base-url', ctx.server.url, '--json']);
    expect(again.code).toBe(0);
    expect(resultOf(again)).toMatchObject({ available: expect.any(Number) });
    expect(ctx.server.emulator.inspect().requests.filter((q) => q.path === '/api/auth/anonymous-token')).toHaveLength(1);
  });

  test('a refused token is an auth error: one line, exit 3, no stack', async () => {
    ctx.server = await serve({ tokens: ['nmv_usr_supplied_0001'], faults: { expireToken: { times: 1 } } });
    const r = await run(['generate', prompt, '--base-url', ctx.server.url, '--token', 'nmv_usr_supplied_0001']);
    expect(r.code).toBe(3);
    const errors = r.stderr.trim().split('\n').filter((line) => line.startsWith('Error'));
    expect(errors).toHaveLength(1);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(errors[0]);
    expect(errors[0]).toMatch(/^Error: .*(1001|token)/i);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain('nmv_usr_supplied_0001');
  });

  test('a cut stream with no change in state exits 6 with the session id to look again; /run_sse sent once', async () => {
    ctx.server = await serve({ generationMs: 60_000, faults: { dropStreamAfterEvents: 1 } });
    const r = await run(['generate', prompt, '--base-url', ctx.server.url, '--poll-interval', '50']);
    expect(r.code).toBe(6);
    const sessionId = ctx.server.emulator.inspect().sessions[0]?.sessionId;
    expect(sessionId).toBeDefined();
    expect(r.stderr).toContain(`nemovideo state ${sessionId}`);
    expect(r.stderr).toContain('Nothing was re-sent');
    expect(runSse(ctx.server)).toHaveLength(1);

    const json = await run(['generate', prompt, '--base-url', ctx.server.url, '--poll-interval', '50', '--json']);
    expect(json.code).toBe(6);
    expect(errorOf(json)).toMatchObject({ name: 'StreamInterruptedError', sessionId: expect.any(String), exitCode: 6 });
    expect(runSse(ctx.server)).toHaveLength(2); // one per run, never re-sent
  });

  test('Ctrl-C aborts without re-sending, names the session and exits 130', async () => {
    ctx.server = await serve({ generationMs: 60_000 });
    const controller = new AbortController();
    const r = await run(['generate', prompt, '--base-url', ctx.server.url, '--json'], {
      signal: controller.signal,
      onStdout: (text) => {
        if (text.includes('"phase":"chat"')) setTimeout(() => controller.abort(new DOMException('Interrupted', 'AbortError')), 50);
      },
    });
    expect(r.code).toBe(130);
    const error = errorOf(r);
    expect(error).toMatchObject({ name: 'Interrupted', sessionId: ctx.server.emulator.inspect().sessions[0]?.sessionId });
    expect(String(error.message)).toContain('nemovideo state');
    expect(runSse(ctx.server)).toHaveLength(1);
  });

  test('a failed render twice exits 7 and says how to try again', async () => {
    ctx.server = await serve({ faults: { failRenders: 2 } });
    const r = await run(['generate', prompt, '--base-url', ctx.server.url, '--poll-interval', '250', '--json']);
    expect(r.code).toBe(7);
    const error = errorOf(r);
    expect(error).toMatchObject({ name: 'RenderFailedError', renderId: expect.stringMatching(/^render_/), sessionId: expect.any(String) });
    expect(String(error.hint)).toContain(`nemovideo export ${String(error.sessionId)}`);
  });
});
