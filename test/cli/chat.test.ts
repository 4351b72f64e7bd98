import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { NemoVideo } from '../../src/index.js';
import type { RunningEmulator, StartEmulatorOptions } from '../../src/testing/index.js';
import { resultOf, run, serve, useTempHome } from './helpers.js';

const token = 'nmv_usr_cli_chat_0001';
let cleanup: () => Promise<void>;
let server: RunningEmulator | undefined;
beforeAll(async () => {
  ({ cleanup } = await useTempHome());
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => cleanup());

const cli = (argv: string[], tty = false) => run([...argv, '--base-url', server!.url, '--token', token, '--poll-interval', '250'], { tty });
const runSse = () => server!.emulator.inspect().requests.filter((r) => r.path === '/run_sse');

/** An emulator and a session with a finished video (made through the SDK, so faults apply to the CLI's message only). */
async function sessionWithVideo(options: StartEmulatorOptions = {}): Promise<string> {
  server = await serve({ tokens: [token], ...options });
  const nemo = new NemoVideo({ baseURL: server.url, token });
  const result = await nemo.generate('a 10-second video about a lighthouse', { export: false, settle: { intervalMs: 250, maxPolls: 40 } });
  return result.sessionId;
}

describe('nemovideo chat', () => {
  test('prints the agent text and the tool calls; --json has events and the result', async () => {
    const sessionId = await sessionWithVideo();
    const r = await cli(['chat', sessionId, 'add a title "Night Watch"', '--json']);
    expect(r.code).toBe(0);
    expect(r.lines.some((l) => (l.event as { type?: string; name?: string } | undefined)?.name === 'add_text')).toBe(true);
    expect(resultOf(r)).toMatchObject({ sessionId, silent: false, toolCalls: ['add_text'], text: expect.stringMatching(/\S/) });
    const plain = await cli(['chat', sessionId, 'add jazz music']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('→ add_bgm(');
    expect(plain.stdout.trim().length).toBeGreaterThan(0);
  });

  test('streams the text live on a terminal', async () => {
    const sessionId = await sessionWithVideo();
    const r = await cli(['chat', sessionId, 'what can you do?'], true);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    expect(r.stdout).not.toContain('No change');
  });

  test('a silent answer reads the state and prints what changed', async () => {
    server = await serve({ tokens: [token], silentRate: 1 });
    const nemo = new NemoVideo({ baseURL: server.url, token });
    const { sessionId } = await nemo.sessions.create({ language: 'en' });
    const r = await cli(['chat', sessionId, 'generate a 10-second video about a lighthouse']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('without words');
    expect(r.stdout).toMatch(/^✅ Video added: /m);
    expect(r.stdout).toMatch(/Timeline \(\d tracks?\): 1\. Video:/);
  });

  test('a cut stream is recovered from state, never re-sent', async () => {
    server = await serve({ tokens: [token], faults: { dropStreamAfterEvents: 1 } });
    const nemo = new NemoVideo({ baseURL: server.url, token });
    const { sessionId } = await nemo.sessions.create({ language: 'en' });
    const r = await cli(['chat', sessionId, 'generate a 10-second video about a lighthouse', '--json']);
    expect(r.code).toBe(0);
    expect(resultOf(r)).toMatchObject({ sessionId, interrupted: true, changes: expect.arrayContaining([expect.stringMatching(/^✅ Video added/)]) });
    expect(runSse()).toHaveLength(1);
  });
});
