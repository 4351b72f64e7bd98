/**
 * The leak check every reliability test uses (helpers.ts › leakCheck): first proved on planted
 * leaks (a socket left open, a listener left on a signal, a timer left pending), then applied to
 * the SDK's success, error and abort paths over real sockets and in process.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { leakCheck, loopback } from './helpers.js';

describe('the leak check catches what it is meant to catch', () => {
  let server: Awaited<ReturnType<typeof loopback>>;
  const stalled: Array<() => void> = [];
  beforeAll(async () => {
    server = await loopback((req, res) => {
      if (req.url === '/stall') {
        // Headers, a byte, then nothing until the client goes away.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('x');
        stalled.push(() => res.end());
        return;
      }
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  test('a timer left pending, and not one that fired or was cleared', async () => {
    const check = leakCheck();
    const left = setTimeout(() => {}, 60_000);
    const cleared = setTimeout(() => {}, 60_000);
    clearTimeout(cleared);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const leaks = await check.settle();
    expect(leaks.timers).toHaveLength(1);
    expect(leaks.timers[0]).toMatch(/leaks\.test\.ts/);
    await expect(check.expectNone()).rejects.toThrow(/left behind/);
    clearTimeout(left);
    await leakCheck().expectNone();
  });

  test('an interval left running', async () => {
    const check = leakCheck();
    const interval = setInterval(() => {}, 5);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await check.settle()).timers).toHaveLength(1);
    clearInterval(interval);
    expect((await check.settle()).timers).toEqual([]);
    check.close();
  });

  test('a listener left on the caller signal', async () => {
    const signal = new AbortController().signal;
    const kept = () => {};
    signal.addEventListener('abort', () => {}, { once: true }); // the caller's own, before the snapshot
    const check = leakCheck({ signals: [signal] });
    signal.addEventListener('abort', kept);
    expect((await check.settle()).listeners).toEqual([1]);
    await expect(check.expectNone()).rejects.toThrow(/left behind/);
    signal.removeEventListener('abort', kept);
    await leakCheck({ signals: [signal] }).expectNone();
  });

  test('a socket left open: a response body the client never reads nor cancels', async () => {
    const check = leakCheck();
    const response = await fetch(`${server.url}/stall`);
    expect(response.status).toBe(200);
    const leaks = await check.settle();
    expect(leaks.openExchanges).toEqual(['GET /stall']);
    expect(leaks.busySockets).toBe(1);
    await expect(check.expectNone()).rejects.toThrow(/left behind/);
    // Cancelling the body closes the connection: the server sees its exchange end.
    const after = leakCheck();
    await response.body?.cancel();
    const released = await after.settle();
    expect(released.openExchanges).toEqual([]);
    expect(released.busySockets).toBe(0);
    after.close();
    stalled.length = 0;
  });

  test('a socket that connected and never sent a request', async () => {
    const { connect } = await import('node:net');
    const check = leakCheck();
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    expect((await check.settle()).busySockets).toBe(1);
    await expect(check.expectNone()).rejects.toThrow(/left behind/);
    socket.destroy();
    await leakCheck().expectNone();
  });

  test("an idle keep-alive socket is the pool's, not a leak, unless asked to count it", async () => {
    const check = leakCheck();
    const strict = leakCheck({ countIdleSockets: true });
    expect(await (await fetch(`${server.url}/ok`)).text()).toBe('ok');
    const leaks = await check.settle();
    expect(leaks).toMatchObject({ openExchanges: [], busySockets: 0, idleSockets: 1 });
    await check.expectNone();
    await expect(strict.expectNone()).rejects.toThrow(/left behind/);
  });
});
