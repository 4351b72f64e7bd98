/**
 * The fault-injection soak, shared by `bench/soak.bench.ts` (10,000 operations) and
 * `test/reliability/soak.test.ts` (a few hundred, in CI): mixed operations through the public API
 * against in-process emulators that answer random 5xx, 429 (`Retry-After: 0`), expired tokens,
 * cut and stalled streams and failed renders, with some operations aborted mid-way; and, on their
 * own backends, `/run_sse` reset before the headers or answered 5xx after the service took the
 * message, a 429 with a week-long `Retry-After`, token renewals held open (a slow
 * anonymous-token endpoint while tokens are expired mid-run), and streams ending with a hostile
 * bare error frame (a megabyte of spaces, a long run of a keyword).
 *
 * What is counted, per operation (each runs inside an AsyncLocalStorage context, so the wire
 * requests of concurrent operations on shared clients are told apart):
 * - duplicate sends: `/run_sse` requests beyond one per `chat.send` that were not refused (429,
 *   401/1001: a reset or a 5xx is a send), and emulator sessions holding more messages than sends
 *   made into them;
 * - render submissions: `POST /api/render/proxy/lambda` not refused, beyond one per `render.create`
 *   (two for `render.export` and `generate`), on the wire and in the emulator;
 * - untyped errors: rejections that are neither a `NemoVideoError` nor an `AbortError`;
 * - unhandled rejections (`process.on('unhandledRejection')`);
 * - lost results: operations that neither resolved nor rejected within `opBoundMs`;
 * - handles left open: once every operation settled and every emulator closed, timers still
 *   pending, other active resources above the baseline, and server sockets still open
 *   (leak-check.ts).
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  AgentError,
  AuthenticationError,
  MemoryTokenStore,
  NemoVideo,
  NemoVideoError,
  RateLimitError,
  StreamInterruptedError,
  StreamTimeoutError,
  type ChatSendOptions,
} from '../../src/index.js';
import { createEmulator, startEmulator, type Emulator, type EmulatorFaults, type EmulatorOptions, type RunningEmulator } from '../../src/testing/index.js';
import { isClean, leakCheck, type Leaks } from './leak-check.js';

/** The operations of the mix. */
export const opKinds = [
  'credits',
  'state',
  'session',
  'chat',
  'chatIterate',
  'recover',
  'render',
  'export',
  'upload',
  'uploadUrl',
  'uploadRejected',
  'generate',
  'generateNoExport',
] as const;
export type OpKind = (typeof opKinds)[number];

const weights: Record<OpKind, number> = {
  credits: 10,
  state: 9,
  session: 5,
  chat: 12,
  chatIterate: 6,
  recover: 4,
  render: 10,
  export: 7,
  upload: 8,
  uploadUrl: 3,
  uploadRejected: 2,
  generate: 14,
  generateNoExport: 6,
};

// Render submissions an operation may make: one per render.create call, two for export (a failed
// render is submitted once more with a new id).
const allowedRenders: Partial<Record<OpKind, number>> = { render: 1, export: 2, generate: 2 };
const sendsOf: Partial<Record<OpKind, number>> = { chat: 1, chatIterate: 1, export: 1, generate: 1, generateNoExport: 1 };

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** Operations in all. */
  ops: number;
  /** Seed of the operation mix and of the emulators. */
  seed?: number;
  /** Operations in flight at once. */
  concurrency?: number;
  /** An operation still pending after this long is lost. */
  opBoundMs?: number;
  /** Share of operations aborted at a random moment. */
  abortRate?: number;
  /** Fault rates. */
  serverErrorRate?: number;
  rateLimitRate?: number;
  expireTokenRate?: number;
  failRenderRate?: number;
  /** Serve each emulator over HTTP on 127.0.0.1 (real sockets: cut streams are real resets) instead of in process. */
  loopback?: boolean | undefined;
  /** Only the backends of these variants (`plain`, `cut0`…, `runSseReset`, `runSse5xx`, `weekRetry`, `renewal`, `hostile`; default: all). */
  variants?: readonly string[] | undefined;
  /** Only these operations (default: the whole mix). */
  kinds?: readonly OpKind[] | undefined;
  /**
   * Breaks things on purpose, to prove the counters see it: every `/run_sse` or render submission
   * is sent twice, or (`leakTimer`) the first request leaves a timer pending (released once counted).
   */
  sabotage?: 'resendChat' | 'doubleRender' | 'leakTimer' | undefined;
  /** Called after each finished operation. */
  onProgress?: (done: number, total: number) => void;
}

interface WireEntry {
  method: string;
  path: string;
  status?: number;
  error?: string;
}

interface OpRecord {
  index: number;
  kind: OpKind;
  variant: string;
  anonymous: boolean;
  aborted: boolean;
  reason?: unknown;
  wire: WireEntry[];
  sessions: string[];
  renderIds: string[];
  settled: boolean;
  error?: unknown;
  ms?: number;
}

/** A rejection that broke a rule. */
export interface Finding {
  op: number;
  kind: OpKind;
  variant: string;
  detail: string;
}

/** What the soak counted. */
export interface SoakReport {
  ops: number;
  durationMs: number;
  /** Time an operation took to settle: median, 99th percentile, longest. */
  opMs: { p50: number; p99: number; max: number };
  /** Per operation kind: resolved, and rejected by error name. */
  outcomes: Record<string, { ok: number; failed: Record<string, number> }>;
  /** Wire answers seen by the client, by category. */
  wire: { requests: number; serverErrors: number; rateLimited: number; expired: number; networkErrors: number };
  /** Faults seen from the client side. */
  faultsSeen: { cutStreams: number; stalledStreams: number; failedRenders: number; tokenRefreshes: number; aborted: number };
  /** The faults of the dedicated backends, as they fired. */
  newFaults: {
    /** `/run_sse` requests reset before any header (each one a send: the service took the message). */
    runSseResets: number;
    /** `/run_sse` requests answered 5xx (a send too). */
    runSse5xx: number;
    /** 429 answers with `Retry-After: 604800`, and the operations that rejected with RateLimitError after one (the slowest in ms). */
    hugeRetryAfter: { answers: number; rejected: number; maxMs: number };
    /** Tokens expired mid-run on the renewal backend, requests refused 1001 there, and anonymous-token calls it held open. */
    renewals: { expired: number; refused: number; held: number };
    /** Operations on the hostile-frame backend that rejected with AgentError (the slowest in ms). */
    hostileFrames: { rejected: number; maxMs: number };
  };
  /** What was left once every operation settled and every emulator was closed: see leak-check.ts. */
  leftOpen: Leaks;
  /** Timers, other resources and server sockets in {@link leftOpen}: the target is 0. */
  handlesLeftOpen: number;
  sends: number;
  runSseRequests: number;
  runSseRefused: number;
  duplicateSends: Finding[];
  renderCreateCalls: number;
  renderSubmissions: number;
  maxSubmissionsPerRender: number;
  maxSubmissionsPerExport: number;
  excessSubmissions: Finding[];
  duplicateRenderIds: number;
  untyped: Finding[];
  abortMismatches: Finding[];
  sentBeforeChecks: Finding[];
  unhandled: string[];
  lost: Finding[];
}

const sessionsPath = '/api/tasks/me/with-session/nemo_agent';
const renderPath = '/api/render/proxy/lambda';

/** mulberry32: a small seeded generator for the operation mix. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isRefusal = (e: WireEntry) => e.status === 429 || e.status === 401;
const isAbortError = (e: unknown) => e instanceof DOMException && e.name === 'AbortError';
const nameOf = (e: unknown) => (e instanceof Error ? e.name : typeof e);

const prompts = [
  'generate a 5-second video about a coffee brand launch',
  'make a 3-second video about mountains at dawn',
  'what can you do?',
  'add lo-fi music at 40%',
  'add a title "Soak"',
  'create a vertical 9:16 video about a city at night',
  '生成一个关于咖啡的视频',
];

const tinyDraft = { t: [{ tt: 0, sg: [{ st: 0, d: 3000, m: { name: 'soak clip' } }] }], d: 3000, fps: 30 };

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let bytes = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.byteLength;
  }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Variant {
  name: string;
  weight: number;
  faults: EmulatorFaults;
  extra?: EmulatorOptions;
  /** Share of operations run by anonymous clients (default 0.2). */
  anonymousShare?: number;
  /** Expire the token of one of its anonymous clients every this many ms during the run. */
  expireEveryMs?: number;
}

/** A bare error frame built to make a backtracking parser retry: a megabyte of spaces, then a long run of a keyword. */
export const hostileErrorFrame = `{"error":${' '.repeat(1 << 20)}"${'error: failed '.repeat(40_000)}"}`;
const week = 604_800;

const variants: Variant[] = [
  { name: 'plain', weight: 3, faults: {}, extra: { silentRate: 0.3 } },
  { name: 'cut0', weight: 1, faults: { dropStreamAfterEvents: 0 } },
  { name: 'cut1', weight: 1, faults: { dropStreamAfterEvents: 1 } },
  { name: 'cut2', weight: 1, faults: { dropStreamAfterEvents: 2 } },
  { name: 'stall0', weight: 1, faults: { stallStreamAfterEvents: 0 } },
  { name: 'stall1', weight: 1, faults: { stallStreamAfterEvents: 1 } },
  // After the service took the message: the SDK must not send it again (generate() recovers through state).
  { name: 'runSseReset', weight: 1, faults: { errors: [{ method: 'POST', path: '/run_sse', reset: true, rate: 0.5 }] } },
  {
    name: 'runSse5xx',
    weight: 1,
    faults: { errors: [{ method: 'POST', path: '/run_sse', status: 502, html: true, rate: 0.25 }, { method: 'POST', path: '/run_sse', status: 503, rate: 0.35 }] },
  },
  // A week-long Retry-After: RateLimitError at once (maxRetryAfterMs), never a week's wait.
  // Uploads get it more often: their own resend after a refusal is a path of its own.
  {
    name: 'weekRetry',
    weight: 1,
    faults: {
      rateLimit: { rate: 0.15, retryAfterSeconds: week },
      errors: [{ method: 'POST', path: '/api/upload-video/*', status: 429, headers: { 'retry-after': String(week) }, rate: 0.5 }],
    },
  },
  // Renewals held open: tokens expired mid-run while the anonymous-token endpoint answers slowly.
  { name: 'renewal', weight: 1, faults: { delays: [{ path: '/api/auth/anonymous-token', delayMs: 150 }] }, anonymousShare: 0.9, expireEveryMs: 40 },
  { name: 'hostile', weight: 1, faults: { errorFrame: { afterEvents: 1, data: hostileErrorFrame } } },
];

interface ClientSlot {
  nemo: NemoVideo;
  anonymous: boolean;
  stateSessions: string[];
  /** An anonymous client's token store (where its current token is). */
  store?: MemoryTokenStore;
}

interface Backend {
  variant: Variant;
  emu: Emulator;
  baseURL?: string | undefined;
  users: ClientSlot[];
  anons: ClientSlot[];
}

// Quick timings: a whole generate() with export takes a few hundred ms.
const timings: EmulatorOptions = {
  latencyMs: 0,
  replyMs: 5,
  generationMs: 25,
  editMs: 10,
  secondStageMs: 10,
  renderTimeMs: 25,
  heartbeatEveryMs: 8,
  temporaryIssueRate: 0.1,
  anonymousTokensPerIp: 1_000_000,
  initialCredits: 100_000,
};

const chatOptions: Omit<ChatSendOptions, 'signal'> = { idleTimeoutMs: 150, heartbeatTimeoutMs: 2_000, timeoutMs: 10_000 };

/** Runs the soak and returns its counts. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? 1;
  const total = options.ops;
  const concurrency = options.concurrency ?? 32;
  const opBoundMs = options.opBoundMs ?? 30_000;
  const abortRate = options.abortRate ?? 0.06;
  const random = prng(seed);
  // Baseline of the handles: taken before any emulator listens or any client exists.
  const leaks = leakCheck({ countIdleSockets: true, timerStacks: false, settleTurns: 400 });
  const als = new AsyncLocalStorage<OpRecord>();
  const unhandled: string[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason));
  process.on('unhandledRejection', onUnhandled);

  const faults: EmulatorFaults = {
    serverErrorRate: options.serverErrorRate ?? 0.04,
    rateLimit: { rate: options.rateLimitRate ?? 0.03, retryAfterSeconds: 0 },
    expireToken: { rate: options.expireTokenRate ?? 0.01 },
    failRenders: { rate: options.failRenderRate ?? 0.25 },
  };

  // The client's fetch: records each request (and its answer) on the operation it belongs to.
  const wireFetch = (emu: Pick<Emulator, 'fetch'>): typeof globalThis.fetch => async (input, init) => {
    const op = als.getStore();
    const url = input instanceof Request ? input.url : String(input);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const entry: WireEntry = { method, path: new URL(url).pathname };
    op?.wire.push(entry);
    if (op && method === 'POST' && entry.path === renderPath && input instanceof Request) {
      const body = await input.clone().text().catch(() => '');
      const id = /"id":"([^"]+)"/.exec(body)?.[1];
      if (id) op.renderIds.push(id);
    }
    if (options.sabotage === 'leakTimer') planted ??= setTimeout(() => {}, 3_600_000);
    const twice = (options.sabotage === 'resendChat' && entry.path === '/run_sse') || (options.sabotage === 'doubleRender' && entry.path === renderPath);
    if (twice && input instanceof Request) {
      const copy: WireEntry = { method, path: entry.path };
      op?.wire.push(copy);
      const extra = await emu.fetch(input.clone()).catch(() => undefined);
      copy.status = extra?.status;
      await extra?.body?.cancel().catch(() => {});
    }
    try {
      const response = await emu.fetch(input, init);
      entry.status = response.status;
      if (op && method === 'POST' && entry.path === sessionsPath && response.ok) {
        const sid = /"session_id":"([^"]+)"/.exec(await response.clone().text())?.[1];
        if (sid) op.sessions.push(sid);
      }
      return response;
    } catch (error) {
      entry.error = nameOf(error);
      throw error;
    }
  };

  let planted: ReturnType<typeof setTimeout> | undefined;
  let tokenSerial = 0;
  // In process, the emulator's own fetch; over loopback, the real one to its URL.
  const wire = (backend: Omit<Backend, 'users' | 'anons'>) => wireFetch(backend.baseURL ? { fetch: (input, init) => globalThis.fetch(input, init) } : backend.emu);
  const userClient = (backend: Omit<Backend, 'users' | 'anons'>, token: string): ClientSlot => ({
    nemo: new NemoVideo({ token, baseURL: backend.baseURL, fetch: wire(backend), maxRetries: 2 }),
    anonymous: false,
    stateSessions: [],
  });
  const anonClient = (backend: Omit<Backend, 'users' | 'anons'>): ClientSlot => {
    const store = new MemoryTokenStore();
    return {
      nemo: new NemoVideo({ clientId: `soak-client-${++tokenSerial}`, tokenStore: store, baseURL: backend.baseURL, fetch: wire(backend) }),
      anonymous: true,
      stateSessions: [],
      store,
    };
  };

  const spareTokens = new Map<Variant, string[]>();
  const servers: RunningEmulator<Emulator>[] = [];
  const backends: Backend[] = await Promise.all(
    variants.filter((v) => options.variants?.includes(v.name) ?? true).map(async (variant, i) => {
      // Registered users' tokens, given to the emulator (it refuses tokens it never issued nor was given):
      // six in use, and spares for users who sign in again after their token was revoked.
      const userTokens = Array.from({ length: 6 }, () => `nmv_usr_soak${variant.name}${++tokenSerial}x${Math.floor(random() * 1e9)}`);
      const spares = Array.from({ length: Math.min(total, 200) }, (_, n) => `nmv_usr_soak${variant.name}spare${n}x${seed}`);
      spareTokens.set(variant, spares);
      const emuOptions = { seed: seed * 100 + i, ...timings, ...variant.extra, tokens: [...userTokens, ...spares], faults: { ...faults, ...variant.faults } };
      let partial: Omit<Backend, 'users' | 'anons'>;
      if (options.loopback) {
        const server = await startEmulator(emuOptions);
        servers.push(server);
        partial = { variant, emu: server.emulator, baseURL: server.url };
      } else partial = { variant, emu: createEmulator(emuOptions) };
      return { ...partial, users: userTokens.map((token) => userClient(partial, token)), anons: Array.from({ length: 3 }, () => anonClient(partial)) };
    }),
  );

  const weighted = <T>(items: T[], weight: (t: T) => number): T => {
    const sum = items.reduce((a, t) => a + weight(t), 0);
    let r = random() * sum;
    for (const t of items) if ((r -= weight(t)) < 0) return t;
    return items[items.length - 1]!;
  };

  const records: OpRecord[] = [];
  const outcomes: SoakReport['outcomes'] = {};
  const lost: Finding[] = [];
  const finding = (op: OpRecord, detail: string): Finding => ({ op: op.index, kind: op.kind, variant: op.variant, detail });

  async function perform(op: OpRecord, slot: ClientSlot, signal: AbortSignal | undefined, prompt: string, pick: number): Promise<void> {
    const { nemo } = slot;
    const request = { signal };
    const newSession = async () => (await nemo.sessions.create({ language: 'en' }, request)).sessionId;
    switch (op.kind) {
      case 'credits':
        await nemo.credits.balance(request);
        return;
      case 'state': {
        const sid = slot.stateSessions[Math.floor(pick * slot.stateSessions.length)] ?? (await newSession());
        if (!slot.stateSessions.includes(sid) && slot.stateSessions.length < 4) slot.stateSessions.push(sid);
        await nemo.state.latest(sid, request);
        return;
      }
      case 'session':
        await newSession();
        return;
      case 'chat': {
        const sid = await newSession();
        await nemo.chat.send(sid, prompt, { ...chatOptions, signal, partialText: pick < 0.3 }).finalResult();
        return;
      }
      case 'chatIterate': {
        const sid = await newSession();
        const stream = nemo.chat.send(sid, prompt, { ...chatOptions, signal, partialText: pick < 0.5 });
        let n = 0;
        for await (const event of stream) {
          void event;
          // Leaving the loop early aborts the stream: nothing is re-sent, nothing is left pending.
          if (++n === 2 && pick > 0.8) break;
        }
        return;
      }
      case 'recover': {
        const sid = await newSession();
        await nemo.chat.recover(sid, { baseline: null, firstDelayMs: 0, intervalMs: 5, maxUnchanged: 2, signal });
        return;
      }
      case 'render': {
        const sid = await newSession();
        const job = await nemo.render.create({ sessionId: sid, draft: tinyDraft }, request);
        const done = await nemo.render.wait(job.id, { intervalMs: 5, maxPolls: 200, signal, sessionId: sid });
        await drain(await nemo.render.download(done, { signal, sessionId: sid }));
        return;
      }
      case 'export': {
        const sid = await newSession();
        await nemo.chat
          .send(sid, 'generate a 3-second video about a lighthouse', { ...chatOptions, signal })
          .finalResult()
          .catch((error: unknown) => {
            // A cut or stalled stream still leaves the work in the state: export anyway.
            if (!(error instanceof StreamInterruptedError || error instanceof StreamTimeoutError)) throw error;
          });
        await pause(40);
        await nemo.render.export(sid, { intervalMs: 5, maxPolls: 200, signal });
        return;
      }
      case 'upload': {
        const sid = await newSession();
        const files = [
          { data: new Uint8Array(2048).fill(7), name: 'clip.mp4' },
          new File([new Uint8Array(512).fill(1)], 'still.png', { type: 'image/png' }),
        ];
        await nemo.uploads.create(sid, { files: pick < 0.5 ? files : files.slice(0, 1) }, { signal });
        return;
      }
      case 'uploadUrl': {
        const sid = await newSession();
        await nemo.uploads.create(sid, { urls: ['https://cdn.example.com/soak/a.mp4'] }, { signal });
        return;
      }
      case 'uploadRejected':
        // Checked before a byte is sent: no request at all.
        await nemo.uploads.create('sess_soak_none', { files: [{ data: new Uint8Array(64), name: 'notes.exe' }] }, { signal });
        return;
      case 'generate':
      case 'generateNoExport':
        await nemo.generate(prompt.includes('?') ? 'make a 3-second video about the sea' : prompt, {
          signal,
          export: op.kind === 'generate',
          chat: { ...chatOptions, partialText: pick < 0.3 },
          recovery: { firstDelayMs: 20, intervalMs: 20, maxUnchanged: 4 },
          settle: { intervalMs: 20, maxPolls: 8 },
          render: { intervalMs: 5, maxPolls: 200 },
        });
        return;
    }
  }

  async function runOne(index: number): Promise<void> {
    const backend = weighted(backends, (b) => b.variant.weight);
    const kind = weighted([...(options.kinds ?? opKinds)], (k) => weights[k]);
    const anonymous = random() < (backend.variant.anonymousShare ?? 0.2);
    const pool = anonymous ? backend.anons : backend.users;
    const slotIndex = Math.floor(random() * pool.length);
    const slot = pool[slotIndex]!;
    const prompt = prompts[Math.floor(random() * prompts.length)]!;
    const pick = random();
    const aborted = random() < abortRate;
    const abortAfter = Math.floor(random() * 80);
    const op: OpRecord = { index, kind, variant: backend.variant.name, anonymous, aborted, wire: [], sessions: [], renderIds: [], settled: false };
    records.push(op);
    const controller = aborted ? new AbortController() : undefined;
    const timer = controller ? setTimeout(() => controller.abort(), abortAfter) : undefined;
    const outcome = (outcomes[kind] ??= { ok: 0, failed: {} });
    let bound: ReturnType<typeof setTimeout> | undefined;
    const opStarted = Date.now();
    const done = als.run(op, () => perform(op, slot, controller?.signal, prompt, pick)).finally(() => (op.ms = Date.now() - opStarted)).then(
      () => {
        op.settled = true;
        outcome.ok++;
      },
      (error: unknown) => {
        op.settled = true;
        op.error = error;
        if (controller?.signal.aborted) op.reason = controller.signal.reason;
        outcome.failed[nameOf(error)] = (outcome.failed[nameOf(error)] ?? 0) + 1;
        // A user token the emulator revoked (expireToken) stays dead: the user signs in again.
        const spare = error instanceof AuthenticationError && !slot.anonymous && pool[slotIndex] === slot ? spareTokens.get(backend.variant)?.shift() : undefined;
        if (spare) pool[slotIndex] = userClient(backend, spare);
      },
    );
    const expired = new Promise<'lost'>((resolve) => (bound = setTimeout(() => resolve('lost'), opBoundMs)));
    const result = await Promise.race([done.then(() => 'settled' as const), expired]);
    clearTimeout(bound);
    clearTimeout(timer);
    if (result === 'lost') lost.push(finding(op, `pending after ${opBoundMs} ms; wire: ${op.wire.map((w) => `${w.method} ${w.path} ${w.status ?? w.error ?? '…'}`).join(', ')}`));
  }

  // Tokens expired mid-run, while other operations of the same client are in flight.
  let expiredMidRun = 0;
  const expiryRandom = prng(seed + 1);
  const expirers = backends
    .filter((b) => b.variant.expireEveryMs !== undefined)
    .map((b) =>
      setInterval(() => {
        const slot = b.anons[Math.floor(expiryRandom() * b.anons.length)];
        void slot?.store?.get().then((credentials) => {
          if (!credentials?.token) return;
          b.emu.expireToken(credentials.token);
          expiredMidRun++;
        });
      }, b.variant.expireEveryMs),
    );

  const started = Date.now();
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      await runOne(index);
      finished++;
      options.onProgress?.(finished, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const durationMs = Date.now() - started;
  for (const timer of expirers) clearInterval(timer);
  // Let late rejections (if any) surface before the listener goes.
  await pause(50);
  process.off('unhandledRejection', onUnhandled);

  // Counting.
  const times = records.flatMap((op) => (op.ms === undefined ? [] : [op.ms])).sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  const report: SoakReport = {
    ops: total,
    durationMs,
    opMs: { p50: at(0.5), p99: at(0.99), max: times[times.length - 1] ?? 0 },
    outcomes,
    wire: { requests: 0, serverErrors: 0, rateLimited: 0, expired: 0, networkErrors: 0 },
    faultsSeen: { cutStreams: 0, stalledStreams: 0, failedRenders: 0, tokenRefreshes: 0, aborted: 0 },
    newFaults: {
      runSseResets: 0,
      runSse5xx: 0,
      hugeRetryAfter: { answers: 0, rejected: 0, maxMs: 0 },
      renewals: { expired: expiredMidRun, refused: 0, held: 0 },
      hostileFrames: { rejected: 0, maxMs: 0 },
    },
    leftOpen: { timers: [], resources: {}, openExchanges: [], busySockets: 0, busy: [], idleSockets: 0, listeners: [] },
    handlesLeftOpen: 0,
    sends: 0,
    runSseRequests: 0,
    runSseRefused: 0,
    duplicateSends: [],
    renderCreateCalls: 0,
    renderSubmissions: 0,
    maxSubmissionsPerRender: 0,
    maxSubmissionsPerExport: 0,
    excessSubmissions: [],
    duplicateRenderIds: 0,
    untyped: [],
    abortMismatches: [],
    sentBeforeChecks: [],
    unhandled,
    lost,
  };
  const bySession = new Map<string, OpRecord>();
  const renderIds = new Map<string, number>();
  for (const op of records) {
    for (const sid of op.sessions) bySession.set(sid, op);
    const w = report.wire;
    for (const e of op.wire) {
      w.requests++;
      if (e.status !== undefined && e.status >= 500) w.serverErrors++;
      if (e.status === 429) w.rateLimited++;
      if (e.status === 401) w.expired++;
      if (e.error !== undefined) w.networkErrors++;
      if (e.path === '/api/auth/anonymous-token' && op.anonymous) report.faultsSeen.tokenRefreshes++;
    }
    const nf = report.newFaults;
    for (const e of op.wire) {
      if (e.path === '/run_sse' && e.error === 'TypeError') nf.runSseResets++;
      if (e.path === '/run_sse' && e.status !== undefined && e.status >= 500) nf.runSse5xx++;
      if (op.variant === 'weekRetry' && e.status === 429) nf.hugeRetryAfter.answers++;
      if (op.variant === 'renewal' && e.status === 401) nf.renewals.refused++;
      if (op.variant === 'renewal' && e.path === '/api/auth/anonymous-token') nf.renewals.held++;
    }
    if (op.variant === 'weekRetry' && op.error instanceof RateLimitError && op.wire.some((e) => e.status === 429)) {
      nf.hugeRetryAfter.rejected++;
      nf.hugeRetryAfter.maxMs = Math.max(nf.hugeRetryAfter.maxMs, op.ms ?? 0);
    }
    if (op.variant === 'hostile' && op.error instanceof AgentError) {
      nf.hostileFrames.rejected++;
      nf.hostileFrames.maxMs = Math.max(nf.hostileFrames.maxMs, op.ms ?? 0);
    }
    const sends = sendsOf[op.kind] ?? 0;
    const runSse = op.wire.filter((e) => e.path === '/run_sse');
    const received = runSse.filter((e) => !isRefusal(e));
    report.sends += sends;
    report.runSseRequests += runSse.length;
    report.runSseRefused += runSse.length - received.length;
    if (received.length > sends) report.duplicateSends.push(finding(op, `${received.length} /run_sse received for ${sends} send(s): ${runSse.map((e) => e.status ?? e.error).join(', ')}`));

    const submits = op.wire.filter((e) => e.method === 'POST' && e.path === renderPath && !isRefusal(e)).length;
    const allowed = allowedRenders[op.kind] ?? 0;
    report.renderSubmissions += submits;
    if (op.kind === 'render') {
      report.renderCreateCalls++;
      report.maxSubmissionsPerRender = Math.max(report.maxSubmissionsPerRender, submits);
    } else if (allowed > 0) report.maxSubmissionsPerExport = Math.max(report.maxSubmissionsPerExport, submits);
    if (submits > allowed) report.excessSubmissions.push(finding(op, `${submits} render submissions (allowed ${allowed})`));
    for (const id of new Set(op.renderIds)) renderIds.set(id, (renderIds.get(id) ?? 0) + 1);

    if (op.kind === 'uploadRejected' && op.wire.some((e) => e.path.startsWith('/api/upload-video/'))) {
      report.sentBeforeChecks.push(finding(op, 'an upload the SDK should reject before sending reached the wire'));
    }

    if (op.aborted && op.reason !== undefined) report.faultsSeen.aborted++;
    const error = op.error;
    if (!op.settled || error === undefined) continue;
    if (error instanceof StreamInterruptedError) report.faultsSeen.cutStreams++;
    if (error instanceof StreamTimeoutError) report.faultsSeen.stalledStreams++;
    if (nameOf(error) === 'RenderFailedError') report.faultsSeen.failedRenders++;
    if (error instanceof NemoVideoError) continue;
    if (!isAbortError(error)) {
      const e = error as Error;
      report.untyped.push(finding(op, `${nameOf(error)}: ${e?.message ?? String(error)}${e?.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}`));
    } else if (op.reason !== undefined && error !== op.reason) {
      report.abortMismatches.push(finding(op, `rejected with an AbortError that is not the signal's reason: ${(error as Error).message}`));
    } else if (op.reason === undefined) {
      report.abortMismatches.push(finding(op, `AbortError without an abort: ${(error as Error).message}`));
    }
  }
  for (const count of renderIds.values()) if (count > 1) report.duplicateRenderIds++;

  // The emulators' side: messages received and renders submitted per session.
  for (const { emu, variant } of backends) {
    const snapshot = emu.inspect();
    const rendersBySession = new Map<string, number>();
    for (const r of snapshot.renders) rendersBySession.set(r.sessionId, (rendersBySession.get(r.sessionId) ?? 0) + 1);
    for (const session of snapshot.sessions) {
      const op = bySession.get(session.sessionId);
      const sends = op ? (sendsOf[op.kind] ?? 0) : 0;
      const kind = op?.kind ?? 'session';
      const where = { op: op?.index ?? -1, kind, variant: variant.name };
      if (session.messages.length > sends) {
        report.duplicateSends.push({ ...where, detail: `emulator session ${session.sessionId} received ${session.messages.length} messages for ${sends} send(s)` });
      }
      const renders = rendersBySession.get(session.sessionId) ?? 0;
      const allowed = op ? (allowedRenders[op.kind] ?? 0) : 0;
      if (renders > allowed) report.excessSubmissions.push({ ...where, detail: `emulator session ${session.sessionId} has ${renders} renders (allowed ${allowed})` });
    }
    emu.closeStreams();
  }
  await Promise.all(servers.map((server) => server.close()));
  // Every operation settled (or is counted lost), every emulator closed: nothing may be left.
  report.leftOpen = await leaks.settle();
  leaks.close();
  clearTimeout(planted);
  const left = report.leftOpen;
  report.handlesLeftOpen = isClean(left, true)
    ? 0
    : left.timers.length + Object.values(left.resources).reduce((a, n) => a + n, 0) + left.openExchanges.length + left.busySockets + left.idleSockets;
  return report;
}

/** The report as lines for people. */
export function formatReport(r: SoakReport): string {
  const lines: string[] = [];
  const rate = Math.round((r.ops / r.durationMs) * 1000);
  lines.push(`soak: ${r.ops} operations in ${(r.durationMs / 1000).toFixed(1)} s (${rate} ops/s); per operation p50 ${r.opMs.p50} ms, p99 ${r.opMs.p99} ms, max ${r.opMs.max} ms`);
  lines.push('outcomes (resolved / rejected by error):');
  for (const kind of opKinds) {
    const o = r.outcomes[kind];
    if (!o) continue;
    const failed = Object.entries(o.failed)
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${n}`)
      .join(', ');
    lines.push(`  ${kind.padEnd(17)} ok ${String(o.ok).padStart(5)}${failed ? `   ${failed}` : ''}`);
  }
  const w = r.wire;
  lines.push(`wire: ${w.requests} requests; answered 5xx ${w.serverErrors}, 429 ${w.rateLimited}, 401/1001 ${w.expired}; network errors ${w.networkErrors}`);
  const f = r.faultsSeen;
  lines.push(`faults surfaced: cut streams ${f.cutStreams}, stalled streams ${f.stalledStreams}, RenderFailedError rejections ${f.failedRenders}, anonymous-token calls ${f.tokenRefreshes}, aborted ops ${f.aborted}`);
  const n = r.newFaults;
  lines.push(
    `new faults: /run_sse reset ${n.runSseResets}, /run_sse 5xx ${n.runSse5xx}; Retry-After 604800: ${n.hugeRetryAfter.answers} answers, ${n.hugeRetryAfter.rejected} RateLimitError (slowest op ${n.hugeRetryAfter.maxMs} ms); ` +
      `renewals: ${n.renewals.expired} tokens expired mid-run, ${n.renewals.refused} refused 1001, ${n.renewals.held} held renewals; hostile frames: ${n.hostileFrames.rejected} AgentError (slowest op ${n.hostileFrames.maxMs} ms)`,
  );
  lines.push(`sends: ${r.sends} chat.send calls, ${r.runSseRequests} /run_sse requests (${r.runSseRefused} refused 429/1001 and replayed)`);
  lines.push(`render: ${r.renderSubmissions} submissions; max per render.create ${r.maxSubmissionsPerRender}, max per export/generate ${r.maxSubmissionsPerExport}; duplicate ids ${r.duplicateRenderIds}`);
  lines.push('targets:');
  lines.push(`  duplicate sends        ${r.duplicateSends.length}   (target 0)`);
  lines.push(`  excess submissions     ${r.excessSubmissions.length}   (target 0: ≤ 1 per create, ≤ 2 per export)`);
  lines.push(`  untyped errors         ${r.untyped.length}   (target 0)`);
  lines.push(`  abort reason mismatch  ${r.abortMismatches.length}   (target 0)`);
  lines.push(`  sent before checks     ${r.sentBeforeChecks.length}   (target 0)`);
  lines.push(`  unhandled rejections   ${r.unhandled.length}   (target 0)`);
  lines.push(`  lost results           ${r.lost.length}   (target 0)`);
  lines.push(`  handles left open      ${r.handlesLeftOpen}   (target 0: timers, resources, server sockets after all emulators closed)`);
  const show = (title: string, items: Array<Finding | string>) => {
    if (items.length === 0) return;
    lines.push(`${title} (first 5 of ${items.length}):`);
    for (const item of items.slice(0, 5)) lines.push(`  ${typeof item === 'string' ? item : `#${item.op} ${item.kind} on ${item.variant}: ${item.detail}`}`);
  };
  show('duplicate sends', r.duplicateSends);
  show('excess submissions', r.excessSubmissions);
  show('untyped errors', r.untyped);
  show('abort mismatches', r.abortMismatches);
  show('sent before checks', r.sentBeforeChecks);
  show('unhandled rejections', r.unhandled);
  show('lost results', r.lost);
  if (r.handlesLeftOpen > 0) lines.push(`left open: ${JSON.stringify(r.leftOpen)}`);
  return lines.join('\n');
}

/** Whether every target is met. */
export function targetsMet(r: SoakReport): boolean {
  return (
    r.duplicateSends.length === 0 &&
    r.excessSubmissions.length === 0 &&
    r.untyped.length === 0 &&
    r.abortMismatches.length === 0 &&
    r.sentBeforeChecks.length === 0 &&
    r.unhandled.length === 0 &&
    r.lost.length === 0 &&
    r.handlesLeftOpen === 0 &&
    r.maxSubmissionsPerRender <= 1 &&
    r.maxSubmissionsPerExport <= 2
  );
}
