import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exitCodes } from '../../src/cli/main.js';
import { VERSION } from '../../src/version.js';
import { errorOf, run, useTempHome } from './helpers.js';

let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cleanup } = await useTempHome());
});
afterAll(() => cleanup());

describe('nemovideo (arguments)', () => {
  test('--version prints the package version and exits 0', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; bin: Record<string, string> };
    expect(pkg.version).toBe(VERSION);
    expect(pkg.bin.nemovideo).toBe('./dist/cli.js');
  });

  test('--help lists every command and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const name of ['generate', 'chat', 'upload', 'credits', 'state', 'export', 'emulator']) expect(r.stdout).toContain(name);
    expect(r.stdout).toContain('--emulator');
  });

  test('an unknown option is a usage error: one line, exit 2, nothing sent', async () => {
    const r = await run(['credits', '--bogus']);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toMatch(/^Error: unknown option '--bogus'/);
    expect(r.stderr).not.toMatch(/\bat .*\(.*:\d+:\d+\)/); // no stack trace
  });

  test('a missing argument is a usage error, as a JSON line with --json', async () => {
    const r = await run(['chat', 'sess_1', '--json']);
    expect(r.code).toBe(2);
    expect(errorOf(r)).toMatchObject({ name: 'UsageError', exitCode: 2 });
    expect(String(errorOf(r).message)).toContain('missing required argument');
  });

  test('a usage error points at the help of the command typed', async () => {
    const r = await run(['chat', 'sess_1']);
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: "Error: missing required argument 'message'\nSee: nemovideo chat --help\n" });
    const top = await run(['--bogus']);
    expect(top.stderr).toBe("Error: unknown option '--bogus'\nSee: nemovideo --help\n");
  });

  test('no command prints the help and exits 2', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: nemovideo');
  });

  test('a bad --poll-interval and --emulator with --base-url are usage errors', async () => {
    expect((await run(['credits', '--poll-interval', 'soon'])).code).toBe(2);
    const both = await run(['credits', '--emulator', '--base-url', 'http://127.0.0.1:1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--emulator and --base-url');
  });
});
