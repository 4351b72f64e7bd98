/**
 * The leak check of the reliability tests and the soak (no vitest inside, so `bench/soak.bench.ts`
 * uses it too): `leakCheck()` snapshots the process before an operation, and after it (success,
 * error or abort) tells what was left behind: timers still pending, other active resources
 * (`process.getActiveResourcesInfo()`), HTTP exchanges still open on a server, and `abort`
 * listeners on the caller's signals.
 * @module
 */
import { createHook } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import { getEventListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { inspect } from 'node:util';

// The server side of every TCP connection and HTTP exchange in this process (loopback() servers,
// startEmulator(), anything on node:http) is tracked through diagnostics channels. The client's
// side is not counted: undici keeps idle keep-alive sockets in its pool (unref'd, so they never
// keep the process up), and the server's view is the honest one: an exchange the client gave up
// on without closing it stays open there.

interface ServerSocketInfo {
  /** Exchanges (requests) seen on the socket. */
  exchanges: number;
  /** Exchanges whose response is not closed yet. */
  open: number;
}

const serverSockets = new Map<Socket, ServerSocketInfo>();
const openExchanges = new Map<ServerResponse, string>();
let serial = 0;
const openedAt = new WeakMap<object, number>();

subscribe('net.server.socket', (message) => {
  const { socket } = message as { socket: Socket };
  openedAt.set(socket, ++serial);
  serverSockets.set(socket, { exchanges: 0, open: 0 });
  socket.once('close', () => serverSockets.delete(socket));
});
subscribe('http.server.request.start', (message) => {
  const { request, response, socket } = message as { request: IncomingMessage; response: ServerResponse; socket: Socket };
  openedAt.set(response, ++serial);
  openExchanges.set(response, `${request.method} ${request.url}`);
  const info = serverSockets.get(socket);
  if (info) {
    info.exchanges++;
    info.open++;
  }
  response.once('close', () => {
    openExchanges.delete(response);
    if (info) info.open--;
  });
});

// Timers, by identity: a count of `Timeout`s would let a timer that fired (vitest's, a module's)
// hide one that was left. An async hook sees each one made while a check is open, and its end.
interface TimerInfo {
  since: number;
  timer: { hasRef(): boolean; _destroyed?: boolean };
  stack: string;
}
const liveTimers = new Map<number, TimerInfo>();
const timerHook = createHook({
  init(asyncId, type, _trigger, resource) {
    if (type !== 'Timeout') return;
    // Where it was set, for the report: the first frames outside node internals and this file.
    const stack =
      stackChecks > 0
        ? (new Error().stack ?? '').split('\n').slice(2).filter((l) => !/node:internal|leak-check\.ts/.test(l)).slice(0, 3).map((l) => l.trim()).join(' ← ')
        : 'Timeout';
    // A timer the test runner sets for itself (its first frame outside node is vitest's) is not
    // the operation's.
    if (/^at \S+ \(node:[^)]*\) ← at [^←]*node_modules\/vitest\//.test(stack)) return;
    liveTimers.set(asyncId, { since: serial, timer: resource as TimerInfo['timer'], stack });
  },
  destroy(asyncId) {
    liveTimers.delete(asyncId);
  },
});
let openChecks = 0;
let stackChecks = 0;

/** Active resources (`process.getActiveResourcesInfo()`) by type; timers and client TCP sockets are left to the trackers above. */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) {
    if (type !== 'TCPSocketWrap' && type !== 'Timeout') counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

/** What an operation left behind, compared with the snapshot {@link leakCheck} took before it. */
export interface Leaks {
  /** Timers set since the snapshot, still pending and keeping the process up (where each was set). */
  timers: string[];
  /** Other resource types (`FSReqCallback`, `TCPServerWrap`, `Immediate`…) now more numerous than before, with how many more. */
  resources: Record<string, number>;
  /** HTTP exchanges begun since the snapshot whose response is still open on the server ("METHOD path"). */
  openExchanges: string[];
  /** Server-side sockets opened since the snapshot that are still open and busy (an exchange open on them). */
  busySockets: number;
  /** What each busy socket is doing: exchanges seen and open, and the socket's state. */
  busy: string[];
  /**
   * Server-side sockets opened since the snapshot, open with no exchange in progress: a client's
   * keep-alive pool (undici also connects a fresh socket, with no request, after a streamed
   * request was aborted). Not a leak while the servers run; 0 once they are closed.
   */
  idleSockets: number;
  /** `abort` listeners on each watched signal beyond those it had at the snapshot. */
  listeners: number[];
}

/** Options of {@link leakCheck}. */
export interface LeakCheckOptions {
  /** Caller signals to watch: none may keep an `abort` listener it did not have before. */
  signals?: AbortSignal[];
  /** Whether idle sockets on the server (see {@link Leaks.idleSockets}) count as leaks (default false: a pool is not a leak; true once the servers are closed). */
  countIdleSockets?: boolean;
  /** Whether to note where each timer was set (default true; a soak of thousands of operations turns it off). */
  timerStacks?: boolean;
  /** Event-loop turns allowed for sockets to close and timers to clear before the verdict. Default 60 (about 0.2 s at most). */
  settleTurns?: number;
}

/** A snapshot to compare with after an operation: see {@link leakCheck}. */
export interface LeakCheck {
  /** What is left now, without waiting. */
  now(): Leaks;
  /** Lets the event loop turn (bounded) until nothing is left, then returns what is left. */
  settle(): Promise<Leaks>;
  /** {@link settle}, then closes the check and throws ("left behind by the operation: …") when something is left. */
  expectNone(): Promise<void>;
  /** Stops tracking timers for this check (`expectNone` does it). */
  close(): void;
}

/** Whether nothing is left. */
export function isClean(leaks: Leaks, countIdleSockets = false): boolean {
  return (
    leaks.timers.length === 0 &&
    Object.keys(leaks.resources).length === 0 &&
    leaks.openExchanges.length === 0 &&
    leaks.busySockets === 0 &&
    (!countIdleSockets || leaks.idleSockets === 0) &&
    leaks.listeners.every((n) => n === 0)
  );
}

const turn = async (i: number) => {
  await new Promise((resolve) => setImmediate(resolve));
  // Now and then a short timer, so that socket closes travelling through the loopback land.
  if (i % 4 === 3) await new Promise((resolve) => setTimeout(resolve, 5));
};

/**
 * Snapshots the process before an operation: active resources by type (timers above all), the
 * server-side sockets and exchanges, and the `abort` listeners on the caller's signals. After
 * the operation (success, error or abort), `await check.expectNone()` lets a few event-loop
 * turns pass (bounded) and asserts that no timer or other resource was added, no exchange is
 * still open on a server, no server socket opened since is busy, and no listener was left on a
 * signal. Take the snapshot after the test's own servers are listening.
 */
export function leakCheck(options: LeakCheckOptions = {}): LeakCheck {
  const signals = options.signals ?? [];
  const stacks = options.timerStacks ?? true;
  if (openChecks++ === 0) timerHook.enable();
  if (stacks) stackChecks++;
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    if (stacks) stackChecks--;
    if (--openChecks === 0) {
      timerHook.disable();
      liveTimers.clear();
    }
  };
  const before = activeResources();
  const since = ++serial;
  const listenersBefore = signals.map((s) => getEventListeners(s, 'abort').length);
  const newer = (o: object) => (openedAt.get(o) ?? 0) >= since;
  const now = (): Leaks => {
    const after = activeResources();
    const resources: Record<string, number> = {};
    for (const [type, n] of Object.entries(after)) if (n > (before[type] ?? 0)) resources[type] = n - (before[type] ?? 0);
    let idleSockets = 0;
    const busy: string[] = [];
    for (const [socket, info] of serverSockets) {
      if (!newer(socket) || socket.destroyed) continue;
      if (info.open > 0) busy.push(`${info.exchanges} exchange(s), ${info.open} open; ${socket.readyState}`);
      else idleSockets++;
    }
    const timers = [...liveTimers.values()].filter((t) => t.since >= since && t.timer._destroyed !== true && t.timer.hasRef()).map((t) => t.stack);
    return {
      timers,
      resources,
      openExchanges: [...openExchanges].filter(([response]) => newer(response)).map(([, what]) => what),
      busySockets: busy.length,
      busy,
      idleSockets,
      listeners: signals.map((s, i) => getEventListeners(s, 'abort').length - listenersBefore[i]!),
    };
  };
  const settle = async () => {
    const turns = options.settleTurns ?? 60;
    for (let i = 0; i < turns && !isClean(now(), options.countIdleSockets); i++) await turn(i);
    return now();
  };
  return {
    now,
    settle,
    close,
    async expectNone() {
      const leaks = await settle();
      close();
      if (!isClean(leaks, options.countIdleSockets)) throw new Error(`left behind by the operation: ${inspect(leaks, { depth: 4, breakLength: 120 })}`);
    },
  };
}
