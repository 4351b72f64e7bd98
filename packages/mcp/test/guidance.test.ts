/**
 * The guidance the built bin gives when the service says no (out of credits, free-plan export),
 * the keep-alive progress while it waits, the command line, and the path rules.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { startEmulator } from 'nemovideo/testing';
import { checkPaths } from '../src/paths.js';
import { addSecret, redactBearer, redactSecrets } from '../src/redact.js';
import { VERSION } from '../src/version.js';
import { bin, callWithProgress, connectStdio, fastEmulator, requireBuild, textOf } from './helpers.js';

const run = promisify(execFile);

// Each test spawns the server and runs whole jobs: generous limits on a shared, loaded machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

beforeAll(() => requireBuild());

describe('what the service refuses, as guidance', () => {
  test('out of credits: the registration link of the anonymous user, and nothing re-sent', async () => {
    const emu = await startEmulator({ ...fastEmulator, initialCredits: 40 });
    const c = await connectStdio({ args: ['--base-url', emu.url, '--poll-interval', '300'] });
    try {
      const { result } = await callWithProgress(c, 'create_video', { prompt: 'a video about a harbour' });
      expect(result.isError).toBe(true);
      const userId = emu.emulator.inspect().sessions[0]?.userId ?? Object.keys(emu.emulator.inspect().credits)[0]!;
      expect(userId).toMatch(/^anon_/);
      expect(textOf(result)).toMatch(new RegExp(`^Out of credits \\(session \\S+\\): register \\(free\\) to get more at \\S+\\?bind=${userId}, then try again`));
      expect(emu.emulator.inspect().requests.filter((r) => r.path === '/run_sse').length).toBeLessThanOrEqual(1);
    } finally {
      await c.close();
      await emu.close();
    }
  });

  test('free-plan export: the job still returns the timeline and claim link, and says why there is no video', async () => {
    const emu = await startEmulator({ ...fastEmulator, anonymousExport: false });
    const c = await connectStdio({ args: ['--base-url', emu.url, '--poll-interval', '500'] });
    try {
      const { result } = await callWithProgress(c, 'create_video', { prompt: 'a video about a harbour' });
      expect(result.isError, textOf(result)).toBeFalsy();
      const out = result.structuredContent as Record<string, string>;
      expect(out.video_url).toBeUndefined();
      expect(out.claim_url).toMatch(/claim\?ct=clm_/);
      expect(out.export_error).toMatch(/^This plan may not export videos \(a plan limit, not credits\): register at \S+\?bind=anon_/);
      expect(textOf(result)).toContain('Timeline ready, not exported');
      const exported = await c.client.callTool({ name: 'export_video', arguments: { session_id: out.session_id } });
      expect(exported.isError).toBe(true);
      expect(textOf(exported)).toMatch(/^This plan may not export videos/);
    } finally {
      await c.close();
      await emu.close();
    }
  });

  test('cut streams: create_video and edit_video recover from the state, each message sent once', async () => {
    const emu = await startEmulator({ ...fastEmulator, faults: { dropStreamAfterEvents: 1 }, tokens: { nmv_usr_cut_test: {} } });
    const c = await connectStdio({ args: ['--base-url', emu.url, '--poll-interval', '300'], env: { NEMO_TOKEN: 'nmv_usr_cut_test' } });
    try {
      const { result: created } = await callWithProgress(c, 'create_video', { prompt: 'a video about a windmill', export: false });
      expect(created.isError, textOf(created)).toBeFalsy();
      const sessionId = (created.structuredContent as { session_id: string }).session_id;
      const { result, progress } = await callWithProgress(c, 'edit_video', { session_id: sessionId, instruction: 'add a title "Old Mill"' });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect((result.structuredContent as { changes: string[] }).changes.join('\n')).toMatch(/Title/);
      expect(progress.some((p) => /was cut; reading the session state/.test(p.message ?? ''))).toBe(true);
      const session = emu.emulator.inspect().sessions.find((s) => s.sessionId === sessionId)!;
      expect(session.messages).toEqual(['a video about a windmill', 'add a title "Old Mill"']);
    } finally {
      await c.close();
      await emu.close();
    }
  });

  test('a long wait sends keep-alive progress at least every 10 s', async () => {
    const emu = await startEmulator({ ...fastEmulator, generationMs: 7_000, tokens: { nmv_usr_keepalive: {} } });
    const c = await connectStdio({ args: ['--base-url', emu.url, '--poll-interval', '500'], env: { NEMO_TOKEN: 'nmv_usr_keepalive' } });
    try {
      const { result, progress } = await callWithProgress(c, 'create_video', { prompt: 'a video about a glacier', export: false });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(progress.some((p) => /still waiting, \d+ s\)$/.test(p.message ?? ''))).toBe(true);
      const gaps = progress.slice(1).map((p, i) => p.at - progress[i]!.at);
      expect(Math.max(...gaps)).toBeLessThan(10_000);
    } finally {
      await c.close();
      await emu.close();
    }
  }, 40_000);
});

describe('command line', () => {
  test('--help on stdout, --version matches package.json, a bad flag exits 2 with a hint on stderr', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
    const help = await run(process.execPath, [bin, '--help']);
    expect(help.stdout).toMatch(/--emulator/);
    expect((await run(process.execPath, [bin, '--version'])).stdout.trim()).toBe(pkg.version);
    const bad = await run(process.execPath, [bin, '--nope']).catch((e: { code: number; stderr: string; stdout: string }) => e);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect((bad as { stderr: string }).stderr).toMatch(/--help/);
  });
});

describe('paths and redaction', () => {
  test('a symlink inside a root that points outside is refused; relative paths resolve in the first root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nemovideo-mcp-paths-'));
    const outside = mkdtempSync(join(tmpdir(), 'nemovideo-mcp-paths-out-'));
    writeFileSync(join(outside, 'a.mp4'), 'x');
    mkdirSync(join(root, 'clips'));
    writeFileSync(join(root, 'clips', 'b.mp4'), 'x');
    symlinkSync(join(outside, 'a.mp4'), join(root, 'link.mp4'));
    await expect(checkPaths([join(root, 'link.mp4')], [root])).rejects.toThrow(/outside the folders/);
    await expect(checkPaths(['clips/b.mp4'], [root])).resolves.toEqual([join(root, 'clips', 'b.mp4')]);
    await expect(checkPaths(['../x.mp4'], [root])).rejects.toThrow(/does not exist|outside/);
    await expect(checkPaths([join(root, 'clips', 'b.mp4')], [])).rejects.toThrow(/--allow-dir/);
  });

  test('bearer tokens are redacted everywhere, claim links only from logs', () => {
    const token = 'nmv_usr_abcdefghijklmnop1234';
    expect(redactBearer(`x ${token} y`)).toBe('x nmv_usr_…1234 y');
    expect(redactBearer(`Authorization: Bearer ${token}`)).not.toContain('abcdefghijkl');
    expect(redactBearer('Title: "Nmv_usr_abcdefghijklmnop1234"')).not.toContain('abcdefghijkl');
    const claim = 'https://nemovideo.com/workspace/claim?ct=clm_abcdefghijkl9876';
    expect(redactBearer(claim)).toBe(claim);
    expect(redactSecrets(claim)).not.toContain('abcdefghijkl');
    addSecret('plain-secret-without-prefix');
    expect(redactSecrets('the PLAIN-secret-without-prefix here')).not.toMatch(/secret-without/i);
  });
});
