import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { run, useTempHome } from './helpers.js';

let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cleanup } = await useTempHome());
});
afterAll(() => cleanup());

describe('nemovideo emulator', () => {
  test('serves the emulator on 127.0.0.1 until the run is aborted, then exits 0', async () => {
    const controller = new AbortController();
    let answered: Promise<Response> | undefined;
    const r = await run(['emulator', '--port', '0', '--fast', '--json'], {
      signal: controller.signal,
      onStdout: (text) => {
        const url = (JSON.parse(text) as { result?: { url?: string } }).result?.url;
        if (!url) return;
        answered = fetch(`${url}/api/credits/balance/simple`).finally(() => controller.abort());
      },
    });
    expect(r.code).toBe(0);
    const url = String((r.lines[0]?.result as { url: string }).url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await answered!;
    expect(response.status).toBe(401); // no token: the emulator answers like the API
    await expect(fetch(url)).rejects.toThrow(); // closed after the abort
  });

  test('--quiet keeps the results and drops the progress', async () => {
    const r = await run(['credits', '--emulator', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+ credits available/);
    expect(r.stderr).toBe('');
  });
});
