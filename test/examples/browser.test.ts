// The browser example in a real Chromium: the universal bundle, an anonymous token fetched by the
// page across origins (CORS), live chat text, the timeline and an exported video. Only a real
// browser catches "Illegal invocation" from a stored `fetch` called as a method.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildBrowserExample } from '../../examples/browser/build.js';
import { startEmulator, type RunningEmulator } from '../../src/testing/index.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(executablePath);
const skipReason = hasChromium ? '' : ` [skipped: ${executablePath} is missing; install it with apt-get install -y chromium]`;
if (!hasChromium) console.warn(`browser.test.ts${skipReason}`);

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

/** Serves the built page from 127.0.0.1 on a free port (another origin than the emulator). */
async function serveStatic(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/$/, '/index.html');
    try {
      const body = await readFile(join(dir, path.replace(/\.\./g, '')));
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.skipIf(!hasChromium)(`browser example in Chromium${skipReason}`, () => {
  let emulator: RunningEmulator;
  let site: { server: Server; url: string };
  let browser: Browser;

  beforeAll(async () => {
    const [dir, emu] = await Promise.all([
      buildBrowserExample(),
      startEmulator({ seed: 11, replyMs: 50, generationMs: 400, editMs: 100, secondStageMs: 200, renderTimeMs: 500, heartbeatEveryMs: 100 }),
    ]);
    emulator = emu;
    site = await serveStatic(dir);
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    site?.server.close();
    await emulator?.close();
  });

  test('chats with live text, shows the timeline and plays the exported video, with no console error', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });

    await page.goto(`${site.url}/index.html?api=${encodeURIComponent(emulator.url)}&pollMs=200`);
    await page.fill('#prompt', 'generate a 10-second video about a lighthouse at dusk');
    // Records every text the agent panel shows, to see the answer arrive in pieces.
    await page.evaluate(() => {
      const panel = document.getElementById('text')!;
      const seen: string[] = ((globalThis as { seen?: string[] }).seen = []);
      new MutationObserver(() => seen.push(panel.textContent ?? '')).observe(panel, { childList: true, characterData: true, subtree: true });
    });
    await page.click('#send');

    // Waits for the end, or fails at once with the page's own error message.
    const final = await page
      .waitForFunction(() => {
        const line = document.getElementById('status')?.textContent ?? '';
        return (line === 'Done.' || /Error/.test(line)) && line;
      }, null, { timeout: 15_000 })
      .then((handle) => handle.jsonValue());
    expect(final).toBe('Done.');

    const text = await page.textContent('#text');
    expect(text).toMatch(/lighthouse/i);
    const seen = await page.evaluate(() => (globalThis as { seen?: string[] }).seen ?? []);
    expect(seen.length).toBeGreaterThanOrEqual(2); // partial deltas first, then the whole text
    expect(text?.startsWith(seen[0] ?? '-')).toBe(true);
    // The page waited for the backend's second stage (music and title) before exporting.
    expect(await page.textContent('#summary')).toMatch(/^Timeline \(3 tracks\): 1\. Video: lighthouse at dusk \(0-10s\) 2\. BGM: .+ 3\. Title: "/);
    const videoSrc = await page.getAttribute('#video', 'src');
    expect(videoSrc).toMatch(new RegExp(`^${emulator.url}/_emulator/media/.+\\.mp4$`));
    // The MP4 is real: the browser reads its metadata (3 s, 320×180).
    const video = await page.waitForFunction(() => {
      const v = document.getElementById('video') as HTMLVideoElement;
      return v.readyState >= 1 ? { duration: v.duration, width: v.videoWidth } : null;
    }, null, { timeout: 5_000 }).then((handle) => handle.jsonValue());
    expect(video?.width).toBe(320);
    expect(video?.duration).toBeGreaterThan(2);
    expect(await page.getAttribute('#claim', 'href')).toMatch(/\/workspace\/claim\?ct=/);

    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/browser.png', fullPage: true });

    expect(problems).toEqual([]);
    const { requests } = emulator.emulator.inspect();
    // The page got its own anonymous token across origins, and sent the message exactly once.
    const tokenRequest = requests.find((r) => r.path === '/api/auth/anonymous-token' && r.method === 'POST');
    expect(tokenRequest?.headers['x-client-id']).toBe('browser-demo');
    expect(tokenRequest?.headers.origin).toBe(site.url);
    expect(requests.filter((r) => r.path === '/run_sse' && r.method === 'POST')).toHaveLength(1);
    await page.close();
  }, 30_000);
});
