/**
 * Canary token sweep (the SDK's promise: no message, toString(), JSON.stringify, util.inspect or log
 * line shows a bearer or claim token; at most its prefix and last four characters). A distinctive
 * token is the client's token and is echoed back by the server wherever a server could echo it;
 * then every surface is searched for its middle part.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AgentError,
  APIConnectionError,
  APIError,
  AuthenticationError,
  decodeDraft,
  DraftDecodeError,
  ExportBlockedError,
  FileTooLargeError,
  InsufficientCreditsError,
  InvalidArgumentError,
  MemoryTokenStore,
  MissingClientIdError,
  NemoVideo,
  NothingToExportError,
  PermissionDeniedError,
  RateLimitError,
  redact,
  RenderFailedError,
  RenderTimeoutError,
  ResponseValidationError,
  SessionNotFoundError,
  StreamInterruptedError,
  StreamTimeoutError,
  TimeoutError,
  UnsupportedFileTypeError,
  type ClientOptions,
  type TokenStore,
} from '../../src/index.js';
import { FileTokenStore } from '../../src/node/index.js';
import { createEmulator, type EmulatorOptions } from '../../src/testing/index.js';
import { leakCheck, loopback, rejection, runCli } from './helpers.js';

// The middle parts are what must never show; the redacted forms keep only prefix and last four.
const secret = 'CANARYq7Zk2Vw9Lx8Tn';
const canary = `nmv_usr_${secret}3f9a`;
const claimSecret = 'CLAIMCANARYm4Rp8Hs2Wq';
const claimCanary = `clm_${claimSecret}7c1d`;
const echo = `upstream rejected Authorization: Bearer ${canary} (token=${canary}, claim ${claimCanary})`;

/** Asserts that no text shows a canary's middle part (the full tokens contain it). */
function expectClean(texts: Record<string, string | undefined>, extraSecrets: string[] = []): void {
  for (const [where, text] of Object.entries(texts)) {
    for (const s of [secret, claimSecret, ...extraSecrets]) expect(text ?? '', `${where} shows ${s}`).not.toContain(s);
  }
}

/** Every way an error gets printed. */
function errorSurfaces(error: unknown): Record<string, string | undefined> {
  const e = error as Error;
  return {
    message: e.message,
    toString: String(e),
    'JSON.stringify': JSON.stringify(e),
    'util.inspect': inspect(e),
    'util.inspect (depth Infinity)': inspect(e, { depth: Infinity }),
    stack: e.stack,
  };
}

const tinyDraft = { t: [{ tt: 0, sg: [{ st: 0, d: 3000 }] }], d: 3000 };
const sse = (...frames: string[]) => new Response(frames.map((f) => `data: ${f}\n\n`).join(''), { headers: { 'content-type': 'text/event-stream' } });
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

interface World {
  nemo: NemoVideo;
  emu: ReturnType<typeof createEmulator>;
  logs: string[];
  emuLogs: string[];
}

/**
 * A client on an emulator, logging every level. `intercept` answers some requests itself (a
 * server that echoes the token where the emulator would not); the rest reach the emulator.
 */
function world(
  emuOptions: EmulatorOptions = {},
  clientOptions: ClientOptions = {},
  intercept?: (request: Request, path: string) => Response | undefined | Promise<Response | undefined>,
): World {
  const logs: string[] = [];
  const emuLogs: string[] = [];
  const emu = createEmulator({ seed: 5, replyMs: 5, generationMs: 20, editMs: 5, secondStageMs: 5, renderTimeMs: 20, heartbeatEveryMs: 5, tokens: [canary], ...emuOptions, log: (l) => emuLogs.push(l) });
  const logger = {
    debug: (m: string) => void logs.push(`debug ${m}`),
    info: (m: string) => void logs.push(`info ${m}`),
    warn: (m: string) => void logs.push(`warn ${m}`),
    error: (m: string) => void logs.push(`error ${m}`),
  };
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const answer = await intercept?.(request, new URL(request.url).pathname);
    return answer ?? emu.fetch(request);
  };
  const nemo = new NemoVideo({ token: canary, fetch, logger, logLevel: 'debug', ...clientOptions });
  return { nemo, emu, logs, emuLogs };
}

const fault = (path: string | RegExp, status: number, extra: { code?: number; method?: string; headers?: Record<string, string> } = {}) => ({
  faults: { errors: [{ path, status, message: echo, ...extra }] },
});

async function session(w: World): Promise<string> {
  return (await w.nemo.sessions.create()).sessionId;
}

type Row = [name: string, Class: abstract new (...args: never[]) => Error, make: () => Promise<{ error: unknown; w?: World }>];

const rows: Row[] = [
  ['AuthenticationError (1001 echoing the token)', AuthenticationError, async () => {
    const w = world(fault('/api/credits/balance/simple', 401, { code: 1001 }));
    return { w, error: await rejection(w.nemo.credits.balance()) };
  }],
  ['SessionNotFoundError (1002)', SessionNotFoundError, async () => {
    const w = world({ faults: { errors: [{ path: /\/latest$/, code: 1002, message: echo }] } });
    return { w, error: await rejection(w.nemo.state.latest('sess_gone')) };
  }],
  ['InsufficientCreditsError (2001 on /run_sse)', InsufficientCreditsError, async () => {
    const w = world(fault('/run_sse', 200, { code: 2001 }));
    const sid = await session(w);
    return { w, error: await rejection(w.nemo.chat.send(sid, 'make a video about tea').finalResult()) };
  }],
  ['UnsupportedFileTypeError (server 4001)', UnsupportedFileTypeError, async () => {
    const w = world(fault('/api/upload-video/*', 400, { code: 4001 }));
    const sid = await session(w);
    return { w, error: await rejection(w.nemo.uploads.create(sid, { files: [{ data: new Uint8Array(16), name: 'a.mp4' }] })) };
  }],
  ['UnsupportedFileTypeError (checked before sending)', UnsupportedFileTypeError, async () => {
    const w = world();
    return { w, error: await rejection(w.nemo.uploads.create('sess_1', { files: [{ data: new Uint8Array(16), name: 'notes.exe' }] })) };
  }],
  ['FileTooLargeError (server 4002)', FileTooLargeError, async () => {
    const w = world(fault('/api/upload-video/*', 413, { code: 4002 }));
    const sid = await session(w);
    return { w, error: await rejection(w.nemo.uploads.create(sid, { files: [{ data: new Uint8Array(16), name: 'a.mp4' }] })) };
  }],
  ['FileTooLargeError (checked before sending)', FileTooLargeError, async () => {
    const w = world();
    const data = new ReadableStream<Uint8Array>({ pull: (c) => c.close() });
    return { w, error: await rejection(w.nemo.uploads.create('sess_1', { files: [{ data, name: 'big.mp4', size: 600 * 1024 * 1024 }] })) };
  }],
  ['MissingClientIdError (400 on the anonymous-token call)', MissingClientIdError, async () => {
    const w = world(fault('/api/auth/anonymous-token', 400), { token: undefined });
    return { w, error: await rejection(w.nemo.credits.balance()) };
  }],
  ['ExportBlockedError (402 on render submit)', ExportBlockedError, async () => {
    const w = world(fault('/api/render/proxy/lambda', 402, { method: 'POST' }));
    const sid = await session(w);
    return { w, error: await rejection(w.nemo.render.create({ sessionId: sid, draft: tinyDraft })) };
  }],
  ['ExportBlockedError (403 on render submit)', ExportBlockedError, async () => {
    const w = world(fault('/api/render/proxy/lambda', 403, { method: 'POST' }));
    const sid = await session(w);
    return { w, error: await rejection(w.nemo.render.create({ sessionId: sid, draft: tinyDraft })) };
  }],
  ['PermissionDeniedError (403)', PermissionDeniedError, async () => {
    const w = world(fault('/api/tasks/me/with-session/nemo_agent', 403));
    return { w, error: await rejection(w.nemo.sessions.create()) };
  }],
  ['RateLimitError (429 twice)', RateLimitError, async () => {
    const w = world(fault('/api/credits/balance/simple', 429, { headers: { 'retry-after': '0' } }));
    return { w, error: await rejection(w.nemo.credits.balance()) };
  }],
  ['APIError (500 on a POST)', APIError, async () => {
    const w = world(fault('/api/tasks/me/with-session/nemo_agent', 500));
    return { w, error: await rejection(w.nemo.sessions.create()) };
  }],
  ['APIError (error body echoing the token in its fields)', APIError, async () => {
    const w = world({}, {}, (_r, path) => (path === '/api/credits/balance/simple' ? json({ code: 5000, message: 'failed', data: { token: canary, header: `Bearer ${canary}` } }, 418) : undefined));
    return { w, error: await rejection(w.nemo.credits.balance()) };
  }],
  ['APIConnectionError (connection refused)', APIConnectionError, async () => {
    const w = world({}, { maxRetries: 0 }, () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    });
    return { w, error: await rejection(w.nemo.credits.balance()) };
  }],
  ['TimeoutError (no answer in time)', TimeoutError, async () => {
    const w = world({ latencyMs: 300 }, { timeout: 40, maxRetries: 0 });
    return { w, error: await rejection(w.nemo.credits.balance()) };
  }],
  ['StreamTimeoutError (stalled stream)', StreamTimeoutError, async () => {
    const w = world({ faults: { stallStreamAfterEvents: 0 } });
    const sid = await session(w);
    return { w, error: await rejection(w.nemo.chat.send(sid, 'make a video about tea', { idleTimeoutMs: 40 }).finalResult()) };
  }],
  ['StreamInterruptedError (cut stream)', StreamInterruptedError, async () => {
    const w = world({ faults: { dropStreamAfterEvents: 1 } });
    const sid = await session(w);
    return { w, error: await rejection(w.nemo.chat.send(sid, 'make a video about tea').finalResult()) };
  }],
  ['NothingToExportError', NothingToExportError, async () => {
    const w = world();
    const sid = await session(w);
    return { w, error: await rejection(w.nemo.render.export(sid)) };
  }],
  ['RenderFailedError (twice failed export)', RenderFailedError, async () => {
    const w = world({ faults: { failRenders: 2 } });
    const sid = await session(w);
    await w.nemo.chat.send(sid, 'make a 3-second video about tea').finalResult();
    return { w, error: await rejection(w.nemo.render.export(sid, { intervalMs: 10, maxPolls: 50 })) };
  }],
  ['RenderTimeoutError', RenderTimeoutError, async () => {
    const w = world({ renderTimeMs: 60_000 });
    const sid = await session(w);
    const job = await w.nemo.render.create({ sessionId: sid, draft: tinyDraft });
    return { w, error: await rejection(w.nemo.render.wait(job.id, { maxPolls: 1 })) };
  }],
  ['ResponseValidationError (bad field holding the token)', ResponseValidationError, async () => {
    const w = world({}, {}, (_r, path) => (path === '/api/credits/balance/simple' ? json({ code: 0, data: { available: { token: canary } } }) : undefined));
    return { w, error: await rejection(w.nemo.credits.balance()) };
  }],
  ['DraftDecodeError', DraftDecodeError, async () => ({ error: await rejection(Promise.resolve().then(() => decodeDraft(42))) })],
  ['InvalidArgumentError (bad argument)', InvalidArgumentError, async () => {
    const w = world();
    return { w, error: await rejection(Promise.resolve().then(() => w.nemo.chat.send('sess_1', ''))) };
  }],
];

describe('canary token: error surfaces', () => {
  test.each(rows)('%s never shows the token, and leaves nothing behind', async (_name, Class, make) => {
    const leaks = leakCheck();
    const { error, w } = await make();
    await leaks.expectNone();
    expect(error).toBeInstanceOf(Class);
    expectClean(errorSurfaces(error));
    if (w) {
      expectClean({ logs: w.logs.join('\n'), 'emulator log': w.emuLogs.join('\n'), 'emulator inspect()': JSON.stringify(w.emu.inspect()) });
      w.emu.reset();
    }
  });

  test('the redacted form keeps the prefix and the last four characters', async () => {
    const w = world(fault('/api/credits/balance/simple', 401, { code: 1001 }));
    const error = (await rejection(w.nemo.credits.balance())) as AuthenticationError;
    expect(redact(canary)).toBe('nmv_usr_…3f9a');
    expect(error.message).toContain('nmv_usr_…3f9a');
    expect(error.message).toContain('clm_…7c1d');
    expect(JSON.stringify(error.body)).toContain('nmv_usr_…3f9a');
  });

  // Regression test, was a bug (src/resources/chat-stream.ts, #onData): the bare `{"error": …}` frame's text goes into
  // AgentError's message unredacted (`The agent failed: ${bare}`) and the raw frame is kept as
  // `cause`, so message, toString, JSON and inspect all show a token the agent echoes. Every
  // other server text passes through redactText (error-map.ts). Fix: `redactText(bare)` in the
  // message and `cause: redactDeep(value)`.
  test('AgentError (bare error frame echoing the token) never shows the token', async () => {
    const w = world({}, {}, (_r, path) => (path === '/run_sse' ? sse(JSON.stringify({ error: echo })) : undefined));
    const sid = await session(w);
    const leaks = leakCheck();
    const error = await rejection(w.nemo.chat.send(sid, 'make a video about tea').finalResult());
    expect(error).toBeInstanceOf(AgentError);
    expectClean(errorSurfaces(error));
    await leaks.expectNone();
  });

  // Regression test, was a bug (src/resources/render.ts, Render.wait): the failure reason read from the job
  // (`failureReason(job.raw)`) goes into RenderFailedError's message unredacted, so a render
  // service that echoes the token in `error` leaks it through message, toString, JSON and
  // inspect. Fix: `redactText(reason)` (core/redact.ts) where the message is built.
  test('RenderFailedError (failure reason echoing the token) never shows the token', async () => {
    const w = world({}, {}, (request, path) =>
      request.method === 'GET' && path.startsWith('/api/render/proxy/lambda/') ? json({ taskId: 'r', status: 'failed', error: echo }) : undefined,
    );
    const error = await rejection(w.nemo.render.wait('render_1', { maxPolls: 1 }));
    expect(error).toBeInstanceOf(RenderFailedError);
    expectClean(errorSurfaces(error));
  });

  // Regression test, was a bug (src/core/transport.ts, #toTypedError): the cause's message is copied into
  // APIConnectionError's message unredacted (`…${detail}`), so a fetch (a proxy agent, a user's
  // wrapper) whose error names the Authorization header leaks it. Fix: `redactText(detail)`.
  test('APIConnectionError (network error naming the header) never shows the token', async () => {
    const w = world({}, { maxRetries: 0 }, () => {
      throw new TypeError(`proxy refused the request with Authorization: Bearer ${canary}`);
    });
    const error = await rejection(w.nemo.credits.balance());
    expect(error).toBeInstanceOf(APIConnectionError);
    expectClean({ message: (error as Error).message, toString: String(error), 'JSON.stringify': JSON.stringify(error) });
  });

  // Regression test, was a bug (src/client.ts, checkURL): the bad value is quoted in full in the message, so a token
  // pasted into baseURL/webURL (or NEMO_API_URL set to the token) is printed by the error meant
  // to help. Fix: `redactText(JSON.stringify(value))` in checkURL's message.
  test('InvalidArgumentError (the token passed as baseURL by mistake) never shows the token', () => {
    const error = (() => {
      try {
        return new NemoVideo({ baseURL: canary });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expectClean(errorSurfaces(error));
  });
});

describe('canary token: log lines', () => {
  test('debug, info and warn lines never show the token: retries, refreshes, a broken store, a failing download, a throwing callback', async () => {
    let issued = '';
    const brokenStore: TokenStore = {
      get: () => Promise.reject(new Error(`cannot parse credentials: {"token":"${canary}"}`)),
      set: () => Promise.reject(new Error(`EACCES writing token ${canary}`)),
      clear: () => Promise.resolve(),
    };
    const w = world(
      { faults: { rateLimit: { path: '/api/credits/balance/simple', times: 1, retryAfterSeconds: 0 }, errors: [{ path: /\/latest$/, status: 503, times: 1, message: echo }], expireToken: { times: 1 } } },
      { token: undefined, tokenStore: brokenStore, clientId: 'canary-client' },
      async (request, path) => {
        if (path.startsWith('/_emulator/media/')) throw new TypeError(`socket hang up (Bearer ${canary})`);
        if (path !== '/api/auth/anonymous-token') return undefined;
        const response = await w.emu.fetch(request);
        issued = ((await response.clone().json()) as { data: { token: string } }).data.token;
        return response;
      },
    );
    await w.nemo.credits.balance();
    const sid = await session(w);
    await w.nemo.state.latest(sid);
    const stream = w.nemo.chat.send(sid, 'make a 3-second video about tea', {
      stillWorkingEveryMs: 1,
      onStillWorking: () => {
        throw new Error(`callback saw ${canary}`);
      },
    });
    await stream.finalResult();
    const job = await w.nemo.render.export(sid, { intervalMs: 10, maxPolls: 50 });
    const body = await w.nemo.render.download(job);
    await body.cancel();
    const { taskId } = await w.nemo.state.latest(sid);
    const claim = new URL(await w.nemo.auth.claimUrl({ taskId: taskId!, sessionId: sid })).searchParams.get('ct') ?? '';
    expect(claim).toMatch(/^clm_.{8,}/);

    const levels = new Set(w.logs.map((l) => l.split(' ')[0]));
    expect([...levels].sort()).toEqual(['debug', 'info', 'warn']);
    expect(w.logs.some((l) => /token store unreadable/.test(l))).toBe(true);
    expect(w.logs.some((l) => /onStillWorking threw/.test(l))).toBe(true);
    expect(w.logs.some((l) => /falling back/.test(l))).toBe(true);
    expect(w.logs.some((l) => /acquiring a new anonymous token/.test(l))).toBe(true);
    expect(issued).toMatch(/^nmv_usr_/);
    expectClean({ logs: w.logs.join('\n'), 'emulator log': w.emuLogs.join('\n') }, [issued.slice(8, -4), claim.slice(4, -4)]);
  });

  test('error-level lines pass through redaction too', async () => {
    const lines: string[] = [];
    const nemo = new NemoVideo({
      token: canary,
      logger: { debug: () => {}, info: () => {}, warn: () => {}, error: (m) => void lines.push(m) },
      logLevel: 'error',
      fetch: () => Promise.reject(new TypeError(`fetch failed for Bearer ${canary}`)),
      maxRetries: 0,
    });
    // Nothing in the SDK logs at error level today; the logger it builds still redacts that level.
    const logger = nemo.transport.options.logger;
    logger.error(`request with Bearer ${canary} and ${claimCanary} failed`);
    await rejection(nemo.credits.balance());
    expect(lines).toHaveLength(1);
    expectClean({ error: lines.join('\n') });
  });
});

describe('canary token: clients, stores and the emulator', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nemovideo-canary-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('inspect and JSON of a client, its resources and its stores never show the token', async () => {
    const memory = new MemoryTokenStore({ clientId: 'c1', token: canary, userId: 'user_1' });
    const file = new FileTokenStore({ dir });
    await file.set({ clientId: 'c1', token: canary, userId: 'user_1' });
    const nemo = new NemoVideo({ token: canary, tokenStore: memory, fetch: createEmulator({ tokens: [canary] }).fetch });
    await nemo.credits.balance();
    const deep = { depth: Infinity, showHidden: true } as const;
    expectClean({
      'inspect(client)': inspect(nemo),
      'JSON(client)': JSON.stringify(nemo),
      'String(client)': String(nemo),
      'inspect(client, customInspect: false)': inspect(nemo, { ...deep, customInspect: false }),
      'inspect(resources)': inspect([nemo.auth, nemo.sessions, nemo.chat, nemo.uploads, nemo.credits, nemo.state, nemo.render], deep),
      'inspect(transport)': inspect(nemo.transport, deep),
      'inspect(MemoryTokenStore)': inspect(memory),
      'inspect(MemoryTokenStore, customInspect: false)': inspect(memory, { ...deep, customInspect: false }),
      'JSON(MemoryTokenStore)': JSON.stringify(memory),
      'inspect(FileTokenStore)': inspect(file, deep),
      'JSON(FileTokenStore)': JSON.stringify(file),
    });
    expect(JSON.stringify(nemo)).toContain('nmv_usr_…3f9a');
    expect(JSON.stringify(memory)).toContain('nmv_usr_…3f9a');
  });

  test('an anonymous client never shows the token it acquired', async () => {
    const emu = createEmulator({ seed: 9 });
    const store = new MemoryTokenStore();
    const nemo = new NemoVideo({ fetch: emu.fetch, tokenStore: store });
    await nemo.credits.balance();
    const token = (await store.get())?.token ?? '';
    expect(token).toMatch(/^nmv_usr_.{8,}/);
    const middle = token.slice('nmv_usr_'.length, -4);
    expectClean({ client: inspect(nemo), json: JSON.stringify(nemo), store: inspect(store), storeJson: JSON.stringify(store), emulator: JSON.stringify(emu.inspect()) }, [middle]);
  });

  test("the emulator's inspect() and log lines never show a token, in headers, query or path", async () => {
    const lines: string[] = [];
    const emu = createEmulator({ seed: 3, tokens: [canary], log: (l) => lines.push(l) });
    const nemo = new NemoVideo({ token: canary, fetch: emu.fetch });
    const { sessionId, taskId } = await nemo.sessions.create();
    const claimUrl = await nemo.auth.claimUrl({ sessionId, taskId });
    const claim = new URL(claimUrl).searchParams.get('ct') ?? '';
    expect(claim).toMatch(/^clm_.{8,}/);
    const query = await emu.fetch(`https://api.test/api/credits/balance/simple?token=${canary}`, { headers: { authorization: `Bearer ${canary}` } });
    expect(query.status).toBe(400);
    await emu.fetch(`https://api.test/api/state/nemo_agent/me/${canary}/latest`, { headers: { authorization: `Bearer ${canary}`, 'x-claim': claimCanary } });
    const snapshot = emu.inspect();
    expect(snapshot.requests.some((r) => r.headers.authorization === 'Bearer nmv_usr_…3f9a')).toBe(true);
    expectClean({ inspect: JSON.stringify(snapshot), log: lines.join('\n') }, [claim.slice(4, -4)]);
  });
});

describe('canary token: command line', () => {
  let echoServer: Awaited<ReturnType<typeof loopback>>;
  beforeAll(async () => {
    // A backend that echoes the token in every error message and body.
    echoServer = await loopback((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json', 'x-request-id': 'req_1' });
      res.end(JSON.stringify({ code: 1001, message: `token ${req.headers.authorization ?? ''} expired`, data: { echo: req.headers.authorization } }));
    });
  });
  afterAll(() => echoServer.close());

  test('credits, state and generate on the emulator, with and without --json and DEBUG, never show the token', async () => {
    const env = { HOME: tmpdir(), DEBUG: 'nemovideo' };
    const runs = await Promise.all([
      runCli(['--emulator', '--token', canary, 'credits'], env),
      runCli(['--emulator', '--token', canary, '--json', 'credits'], env),
      runCli(['--emulator', '--token', canary, 'state', 'sess_missing'], env),
      runCli(['--emulator', '--token', canary, '--json', 'state', 'sess_missing'], env),
      runCli(['--emulator', '--token', canary, 'generate', 'a 3-second video about tea'], env),
      runCli(['--emulator', '--token', canary, '--json', 'generate', 'a 3-second video about tea'], env),
    ]);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 1, 1, 0, 0]);
    for (const r of runs) {
      // The claim token may appear only inside the claim link that is the point of the output.
      const claims = [...`${r.stdout}${r.stderr}`.matchAll(/clm_[A-Za-z0-9._~+/=-]+/g)].map((m) => m[0]);
      const inLinks = [...`${r.stdout}${r.stderr}`.matchAll(/claim\?ct=(clm_[A-Za-z0-9._~+/=-]+)/g)].map((m) => m[1]);
      expect(claims.length).toBe(inLinks.length);
      expectClean({ stdout: r.stdout, stderr: r.stderr });
    }
    expect(runs[4]!.stderr).toMatch(/GET \/api\/credits|POST \/run_sse/);
  }, 30_000);

  test('error paths against a server echoing the token never show it, with and without --json and DEBUG', async () => {
    const runs = await Promise.all([
      runCli(['--base-url', echoServer.url, '--token', canary, 'credits'], { HOME: tmpdir() }),
      runCli(['--base-url', echoServer.url, '--token', canary, '--json', 'credits'], { HOME: tmpdir() }),
      runCli(['--base-url', echoServer.url, '--token', canary, 'generate', 'tea'], { HOME: tmpdir(), DEBUG: 'nemovideo' }),
      runCli(['--base-url', echoServer.url, '--json', 'state', 'sess_1'], { HOME: tmpdir(), NEMO_TOKEN: canary, DEBUG: '*' }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([3, 3, 3, 3]);
    expect(runs[1]!.stdout).toContain('nmv_usr_…3f9a');
    for (const r of runs) expectClean({ stdout: r.stdout, stderr: r.stderr });
  });
});
