import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { DownloadFailedError, emulatorGone, errorJson, errorLine, UsageError } from '../../src/cli/errors.js';
import {
  AgentError,
  APIConnectionError,
  ExportBlockedError,
  InsufficientCreditsError,
  RateLimitError,
  RenderFailedError,
  RenderTimeoutError,
  SessionNotFoundError,
  StreamInterruptedError,
  type ChatResult,
} from '../../src/index.js';
import { errorOf, run, serve, useCliServer } from './helpers.js';

// yoctocolors decides once, on import, whether the process may colour: allow it here, so that
// the --no-color test below can tell a coloured spinner from an uncoloured one.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

const token = 'nmv_usr_cli_messages_0001';
const ctx = useCliServer();

const requests = () => ctx.server!.emulator.inspect().requests;
const errorLines = (text: string) => text.split('\n').filter((line) => line.startsWith('Error'));

describe('an unknown session names both causes and how to keep an identity', () => {
  const causes = 'it expired after being idle, or it was made by another user (another token or client id).';

  test('with --token', async () => {
    ctx.server = await serve({ tokens: [token] });
    const r = await run(['state', 'sess_gone', '--base-url', ctx.server.url, '--token', token]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Reading the session\n' +
        `Error: Session sess_gone was not found: ${causes} This run used the --token you gave: pass the token that made the session. To start again: nemovideo generate "<prompt>"\n`,
    );
  });

  test('with NEMO_TOKEN, in --json: the same sentence, the hint apart', async () => {
    ctx.server = await serve({ tokens: [token] });
    const r = await run(['state', 'sess_gone', '--base-url', ctx.server.url, '--json'], { env: { NEMO_TOKEN: token } });
    expect(r.code).toBe(1);
    expect(errorOf(r)).toEqual({
      name: 'SessionNotFoundError',
      message: `Session sess_gone was not found: ${causes}`,
      code: 1002,
      sessionId: 'sess_gone',
      detail: expect.stringMatching(/^Session not found or expired: sess_gone\b/),
      exitCode: 1,
      hint: 'This run used NEMO_TOKEN: set it to the token that made the session. To start again: nemovideo generate "<prompt>"',
    });
  });

  test('with the saved identity: names where it is kept', async () => {
    ctx.server = await serve();
    const r = await run(['chat', 'sess_gone', 'add a title', '--base-url', ctx.server.url]);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      `Error: Session sess_gone was not found: ${causes} This CLI keeps its identity in ${join(ctx.home, '.config', 'nemovideo', 'hosts', new URL(ctx.server!.url).host.replace(':', '_'))}, so its commands share sessions; ` +
        'for a session made by another program, set NEMO_TOKEN and NEMO_CLIENT_ID to the ones it used. To start again: nemovideo generate "<prompt>"',
    ]);
    // The message was never sent: the session was read first, and refused.
    expect(requests().filter((q) => q.path.includes('run_sse'))).toEqual([]);
  });

  test('with --emulator: the session cannot be there, and how to keep sessions', async () => {
    const r = await run(['state', 'sess_gone', '--emulator']);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      "Error: Session sess_gone is not in this run's emulator: each --emulator run starts empty, and its sessions are gone when it ends. " +
        'To keep sessions between commands, run `nemovideo emulator` in another terminal and set NEMO_API_URL to the URL it prints.',
    ]);
  });
});

test('a refused --token: what happened and what to change, without the token', async () => {
  ctx.server = await serve({ tokens: [token] });
  const r = await run(['credits', '--base-url', ctx.server.url, '--token', 'nmv_usr_not_known_0002']);
  expect(r.code).toBe(3);
  expect(errorLines(r.stderr)).toEqual([
    'Error: The token was refused: it is invalid or has expired. Check the --token value, or leave it out to use the saved token (or a new anonymous one).',
  ]);
});

describe('inputs are refused before any progress line, and nothing is sent', () => {
  test('upload: a missing file is "File not found: <path>"', async () => {
    ctx.server = await serve({ tokens: [token] });
    const missing = join('no-such-folder', 'nope.mp4');
    const r = await run(['upload', 'sess_any', missing, '--base-url', ctx.server.url, '--token', token]);
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: `Error: File not found: ${missing}\n` });
    expect(requests()).toEqual([]);
  });

  test('upload: a folder, and a bad URL after a good file (the file is not sent first)', async () => {
    ctx.server = await serve({ tokens: [token] });
    const folder = join(ctx.home, 'clips');
    await mkdir(folder, { recursive: true });
    const good = join(ctx.home, 'good.mp4');
    await writeFile(good, 'not really a video, but not empty');
    const a = await run(['upload', 'sess_any', folder, '--base-url', ctx.server.url, '--token', token]);
    expect(a).toMatchObject({ code: 2, stderr: `Error: ${folder} is a folder: name the files in it, e.g. ${folder}/*.mp4\n` });
    const b = await run(['upload', 'sess_any', good, 'https://exa mple.com/b.mp4', '--base-url', ctx.server.url, '--token', token]);
    expect(b).toMatchObject({ code: 2, stderr: 'Error: Only http(s) URLs can be uploaded, got "https://exa mple.com/b.mp4".\n' });
    expect(requests()).toEqual([]);
  });

  test('chat: an empty message is refused before "Reading the session"', async () => {
    ctx.server = await serve({ tokens: [token] });
    const r = await run(['chat', 'sess_any', '  ', '--base-url', ctx.server.url, '--token', token]);
    expect(r).toMatchObject({
      code: 2,
      stderr: 'Error: <message> is empty: say what to change, e.g. nemovideo chat <session> "add a title".\n',
    });
    expect(requests()).toEqual([]);
  });

  test('generate: an empty prompt or --language is refused before "Creating a session"', async () => {
    ctx.server = await serve({ tokens: [token] });
    const a = await run(['generate', '', '--base-url', ctx.server.url, '--token', token]);
    expect(a).toMatchObject({
      code: 2,
      stderr: 'Error: <prompt> is empty: say what the video is about, e.g. nemovideo generate "a 30-second video about a coffee brand launch".\n',
    });
    const b = await run(['generate', 'a lighthouse', '--language', ' ', '--base-url', ctx.server.url, '--token', token]);
    expect(b).toMatchObject({ code: 2, stderr: 'Error: --language is empty: give a language code such as en or zh-CN, or leave it out.\n' });
    expect(requests()).toEqual([]);
  });
});

test('export --resume with an id this account does not have: says so and what to do; nothing is submitted', async () => {
  ctx.server = await serve({ tokens: [token] });
  const r = await run(['export', 'sess_any', '--resume', 'render_1700000000000_000000000000', '--base-url', ctx.server.url, '--token', token, '--json']);
  expect(r.code).toBe(1);
  expect(errorOf(r)).toMatchObject({
    name: 'UnknownRenderError',
    message: 'Render render_1700000000000_000000000000 is not known to this account: the id may be mistyped, or the render was submitted with another token.',
    hint: 'Check the id (a run that timed out or was interrupted prints it), or start a new render: nemovideo export sess_any',
    exitCode: 1,
  });
  expect(requests().filter((q) => q.method === 'POST')).toEqual([]);
});

test('after generate --emulator, the session line says the session is gone instead of a chat command that would fail', async () => {
  const r = await run(['generate', 'a 10-second video about a lighthouse', '--emulator', '--no-export']);
  expect(r.code).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines.at(-2)).toMatch(/^Session: [\w-]+$/);
  expect(lines.at(-1)).toBe(emulatorGone);
  expect(r.stdout).not.toContain('nemovideo chat');
});

describe('--no-color', () => {
  const sgr = /\u001b\[\d+(;\d+)*m/; // eslint-disable-line no-control-regex
  // The spinner library turns animation off when `CI` is set: unset it here.
  const onTerminal = async (argv: string[]) => {
    const ci = process.env.CI;
    delete process.env.CI;
    try {
      return await run(argv, { tty: true });
    } finally {
      if (ci !== undefined) process.env.CI = ci;
    }
  };

  test('the spinner is cyan by default on a terminal, and without colour with --no-color', async () => {
    const coloured = await onTerminal(['credits', '--emulator']);
    expect(coloured.code).toBe(0);
    expect(coloured.stderr).toContain('\u001b[36m');
    const plain = await onTerminal(['credits', '--emulator', '--no-color']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('Reading the balance');
    expect(plain.stderr).not.toMatch(sgr);
    expect(plain.stdout).not.toMatch(sgr);
  });
});

describe('errorLine: one sentence per cause, from the error fields, never the SDK advice', () => {
  const ids = { emulated: false, tokenFrom: 'saved' as const, configDir: '/home/me/.config/nemovideo' };
  const partial: ChatResult = { text: '', events: [], toolCalls: [], silent: true } as unknown as ChatResult;
  const fsError = (code: string, path: string) => Object.assign(new Error(`${code}: raw node text, stat '${path}'`), { code, path });

  test.each([
    ['ENOENT', 'File not found: /in/clip.mp4'],
    ['EACCES', 'Permission denied: /in/clip.mp4'],
    ['EISDIR', '/in/clip.mp4 is a folder, not a file'],
    ['ENOTDIR', '/in/clip.mp4: a part of the path is a file, not a folder'],
    ['ENOSPC', 'No space left on the disk: /in/clip.mp4'],
  ])('%s is a plain sentence', (code, sentence) => {
    expect(errorLine(fsError(code, '/in/clip.mp4'), { sessionId: 's1', ...ids })).toBe(`Error: ${sentence}`);
  });

  test('a download that fails after the render names the reason in words and the resume command', () => {
    const error = new DownloadFailedError('/out/final.mp4', 's1', 'render_9', fsError('ENOSPC', '/out/.final.mp4.part'));
    expect(errorLine(error, ids)).toBe(
      'Error: The video was rendered but could not be saved to /out/final.mp4: no space left on the disk. Nothing is paid again: nemovideo export s1 --resume render_9 --out <file>',
    );
  });

  test.each([
    [
      'a session not found',
      new SessionNotFoundError('Session not found (1002): Session not found or expired: s1. Create a new one with sessions.create().', 1002, { sessionId: 's1' }),
      'Error: Session s1 was not found: it expired after being idle, or it was made by another user (another token or client id). This CLI keeps its identity in /home/me/.config/nemovideo, so its commands share sessions; for a session made by another program, set NEMO_TOKEN and NEMO_CLIENT_ID to the ones it used. To start again: nemovideo generate "<prompt>"',
    ],
    [
      'a rate limit',
      new RateLimitError('Rate limited (429): slow down. Retry in 12 s.', 11_200, { sessionId: 's1' }),
      'Error: The API is rate-limiting this account: too many calls in a short time. Try again in 12 s. Session: s1',
    ],
    [
      'out of credits, anonymous',
      Object.assign(new InsufficientCreditsError('Out of credits (2001): x. Register: https://nemovideo.com?bind=anon_1', 2001, { bindUrl: 'https://nemovideo.com?bind=anon_1' } as never), {
        bindUrl: 'https://nemovideo.com?bind=anon_1',
      }),
      'Error: Out of credits: this account has too few credits for this. Register to get more: https://nemovideo.com?bind=anon_1',
    ],
    [
      'an export blocked by the plan',
      Object.assign(new ExportBlockedError('Export blocked (402): …', 402, { sessionId: 's1' }), { bindUrl: 'https://nemovideo.com?bind=anon_1' }),
      "Error: Export blocked: this account's plan may not export videos (the free plan may not). Register to unlock it: https://nemovideo.com?bind=anon_1. The timeline is kept in session s1: export it once registered with: nemovideo export s1",
    ],
    [
      'a render still running',
      new RenderTimeoutError('Render render_9 is still processing after 10 polls. … render.wait("render_9").', 'render_9', { sessionId: 's1' }),
      'Error: Render render_9 is still running: the wait ran out before it finished. Follow it without paying again: nemovideo export s1 --resume render_9',
    ],
    [
      'a render that failed twice',
      new RenderFailedError('Render failed twice (render_8, then render_9): Render render_9 failed.', 'render_9', { sessionId: 's1' }),
      'Error: The render failed twice (last render render_9). Try again: nemovideo export s1',
    ],
    [
      'a cut stream',
      new StreamInterruptedError("The stream was cut and the session's draft did not change after 5 reads. Nothing was re-sent: look again later with state.latest('s1').", partial, { sessionId: 's1' }),
      "Error: The agent's answer was cut off, and session s1's timeline did not change. Nothing was re-sent. Look again in a minute: nemovideo state s1",
    ],
    [
      'an agent failure',
      new AgentError('The agent failed: quota of the model exceeded', partial, { sessionId: 's1' }),
      'Error: The agent failed: quota of the model exceeded. Nothing was re-sent. See what landed in session s1: nemovideo state s1',
    ],
    [
      'a refused connection',
      new APIConnectionError('Could not reach http://127.0.0.1:9 (GET /x): fetch failed. Check the network and `baseURL`.', {
        sessionId: 's1',
        cause: new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) }),
      }),
      'Error: Could not reach the NemoVideo API at https://api.example (connection refused: nothing is listening there). Check the network, and NEMO_API_URL or --base-url if you set one, then try again. Session: s1',
    ],
  ])('%s', (_, error, line) => {
    const out = errorLine(error, { ...ids, baseURL: 'https://api.example' });
    expect(out).toBe(line);
    expect(out).not.toMatch(/sessions\.create|state\.latest|render\.wait|\(1002\)/);
  });

  test('after --emulator, no hint names a command that would meet an empty emulator', () => {
    const error = new RenderTimeoutError('…', 'render_9', { sessionId: 's1' });
    expect(errorLine(error, { ...ids, emulated: true })).toBe(`Error: Render render_9 is still running: the wait ran out before it finished. ${emulatorGone}`);
  });

  test('an error the CLI does not know keeps its message and points at DEBUG', () => {
    expect(errorLine(new TypeError('x is not a function'), ids)).toBe('Unexpected error: x is not a function (set DEBUG=nemovideo for the stack)');
    expect(errorJson(new UsageError('bad'), ids, 2)).toEqual({ error: { name: 'UsageError', message: 'bad', exitCode: 2 } });
  });
});

test('every command help lists the global flags', async () => {
  for (const command of ['generate', 'chat', 'upload', 'credits', 'state', 'export', 'emulator']) {
    const r = await run([command, '--help']);
    expect(r.code).toBe(0);
    const globals = r.stdout.slice(r.stdout.indexOf('Global Options:'));
    expect(globals, command).toMatch(/^Global Options:\n/);
    for (const flag of ['--json', '-q, --quiet', '--base-url <url>', '--token <token>', '--no-color', '--emulator', '--poll-interval <ms>']) {
      expect(globals, `${command}: ${flag}`).toContain(`  ${flag} `);
    }
  }
});
