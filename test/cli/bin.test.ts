import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '../../src/testing/index.js';
import { ansi, serve, useTempHome } from './helpers.js';

const bin = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const built = existsSync(bin);
if (!built) console.warn(`Skipping the built-bin test: ${bin} is missing. Run \`npm run build\` (\`npm test\` builds first).`);

let home: string;
let cleanup: () => Promise<void>;
let server: RunningEmulator;
beforeAll(async () => {
  ({ dir: home, cleanup } = await useTempHome());
  server = await serve();
});
afterAll(async () => {
  await server?.close();
  await cleanup();
});

// Async on purpose: the emulator answering the bin lives in this process's event loop.
function node(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH, HOME: home, NEMO_API_URL: server.url };
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!built)(`dist/cli.js (the built bin)${built ? '' : ' [skipped: dist/cli.js is missing; run npm run build]'}`, () => {
  test('generate --out on a pipe: plain lines without escape codes, a real MP4, exit 0; --json lines parse', async () => {
    const out = join(home, 'bin', 'coffee.mp4');
    const plain = await node(['generate', 'a 30-second video about a coffee brand launch', '--out', out, '--poll-interval', '250']);
    expect(plain.stderr.split('\n').filter((line) => line.startsWith('Error'))).toEqual([]);
    expect(plain.code).toBe(0);
    expect(plain.stdout + plain.stderr).not.toMatch(ansi);
    expect(plain.stdout).toContain('Timeline (3 tracks)');
    expect(plain.stdout).toContain(out);
    expect((await readFile(out)).subarray(4, 8).toString('latin1')).toBe('ftyp');

    const json = await node(['credits', '--json']);
    expect(json.code).toBe(0);
    const lines = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { result?: { available?: number } });
    expect(lines.at(-1)?.result?.available).toEqual(expect.any(Number));

    const usage = await node(['generate']);
    expect(usage.code).toBe(2);
  });
});
