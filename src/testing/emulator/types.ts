/** A request path to match: a string is an exact path, or a prefix when it ends with `*`. */
export type PathPattern = string | RegExp;

/** How often a fault fires: the first `times` matching requests, or each one with probability `rate` (both: at `rate`, at most `times`). Neither: every matching request. */
export interface FaultFrequency {
  /** Fire for this many matching requests, then stop. */
  times?: number;
  /** Fire for each matching request with this probability (0-1, drawn from the seeded generator). */
  rate?: number;
}

/** An error answer injected in place of a request's normal handling. */
export interface EmulatorErrorFault extends FaultFrequency {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Path to match (the URL path, without query). */
  path: PathPattern;
  /** HTTP status (default 200 when `code` is given, else 500). */
  status?: number;
  /** Envelope `code` (default: the status). */
  code?: number;
  /** Envelope `message`. */
  message?: string;
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  /**
   * Answer with an HTML page (`text/html`) instead of a JSON envelope, as a proxy in front of the
   * service does: `true` for a small nginx-style error page, or the page itself as a string.
   */
  html?: boolean | string;
  /**
   * Drop the connection before any response header instead of answering (`status`, `code` and
   * the body options are ignored). Over HTTP the socket is destroyed; `emu.fetch` and the msw
   * handlers reject the fetch with a `TypeError`, like a real connection reset.
   */
  reset?: boolean;
  /**
   * Whether the request is handled as usual before the fault replaces its answer, so its effects
   * happen (on `/run_sse`: the message is received, credits are charged and the draft is built).
   * Default: true for `reset` and for 5xx statuses (the failure happens after the service got the
   * request, as with a gateway error or a dropped connection), false otherwise (a refusal).
   */
  processed?: boolean;
}

/** A delay before matching requests are handled: the answer comes late, nothing else changes. */
export interface EmulatorDelayFault extends FaultFrequency {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Path to match (the URL path, without query). */
  path: PathPattern;
  /** How long the request is held before it is handled, in milliseconds (`setTimeout`; the request's abort ends the wait). */
  delayMs: number;
}

/** A bare ADK error frame (`data: {"error": …}`) sent on a `/run_sse` stream, which then ends cleanly, as ADK ends a failed run. */
export interface EmulatorErrorFrameFault extends FaultFrequency {
  /** Events sent before the error frame. Default 0. */
  afterEvents?: number;
  /** The frame's `data:` text, sent as is (keep it on one line), e.g. a hostile one. Default `{"error": "Emulated agent failure"}`. */
  data?: string;
}

/** Faults to inject, for testing how a client copes. Counters restart on `reset()`. */
export interface EmulatorFaults {
  /** Answer matching requests with an error instead of handling them. */
  errors?: EmulatorErrorFault[];
  /** Answer 429 (`Retry-After: retryAfterSeconds`, default 30) to matching requests (all paths when `path` is absent). */
  rateLimit?: FaultFrequency & { path?: PathPattern; retryAfterSeconds?: number };
  /** Treat the bearer token as expired (code 1001) for the next `times` authenticated requests, or at `rate`; the token stays dead, so the client must fetch a new anonymous token. */
  expireToken?: FaultFrequency;
  /** Cut every `/run_sse` stream after this many events (the connection is closed abruptly, not cleanly ended). The agent's work still lands in the session state. */
  dropStreamAfterEvents?: number;
  /** After this many events, keep every `/run_sse` stream open sending nothing at all (not even heartbeats) until the client gives up. The work still lands in the state. */
  stallStreamAfterEvents?: number;
  /** Fail this many render jobs (status `failed`), or `{ times, rate }`. */
  failRenders?: number | FaultFrequency;
  /** Answer any request with a random 500/502/503 at this rate (0-1), for soak tests. The request is not handled (a refusal); use `errors` for failures after handling. */
  serverErrorRate?: number;
  /** Hold matching requests before handling them (each firing entry adds its `delayMs`), e.g. a slow anonymous-token endpoint while calls meet code 1001. */
  delays?: EmulatorDelayFault[];
  /** End matching `/run_sse` streams (each one at `rate`, or the first `times`) with a bare error frame. The run's work still lands in the state. */
  errorFrame?: EmulatorErrorFrameFault;
}

/** A token the emulator knows before any request (e.g. to test scopes). */
export interface EmulatorTokenOptions {
  /** The user id (default `user_<random>`, or `anon_<random>` when `anonymous`). */
  userId?: string;
  /** An anonymous user (no `render` scope; subject to `anonymousExport`). Default false. */
  anonymous?: boolean;
  /** Scopes (`read`, `write`, `upload`, `render`, `*`). Default `['*']`, or read/write/upload when anonymous. */
  scopes?: string[];
  /** Starting credits (default `initialCredits`). */
  credits?: number;
}

/** Options of {@link createEmulator}. Durations are in milliseconds of the clock `Date.now()` (fake timers move it). */
export interface EmulatorOptions {
  /** Seed of the generator behind every id and random choice: the same seed gives the same ids and streams. Default: random. */
  seed?: number | string;
  /** Delay before each request is handled. Default 0. */
  latencyMs?: number;
  /** Time a video generation takes inside `/run_sse` (the first stage: the raw video). Default 1500. */
  generationMs?: number;
  /** Time an edit (music, title, trim, remove) takes inside `/run_sse`. Default 500. */
  editMs?: number;
  /** Time a text-only answer takes. Default 200. */
  replyMs?: number;
  /** Delay after the first stage until the backend adds music and a title on its own (after the stream has ended). Default 1000. */
  secondStageMs?: number;
  /** Time a render takes from start to `completed` (renders of one session run one after another). Default 2000. */
  renderTimeMs?: number;
  /** Share (0-1) of tool-using answers that end with no text at all (the real backend: about 0.3 of edits). Default 0. */
  silentRate?: number;
  /** Share (0-1) of answers followed by a trailing "I encountered a temporary issue…" text. Default 0. */
  temporaryIssueRate?: number;
  /** Interval of `: ping` heartbeat comments while the agent works; 0 turns them off. Default 1000. */
  heartbeatEveryMs?: number;
  /** Whether anonymous users may export. False answers their render submit with HTTP 402. Default true. */
  anonymousExport?: boolean;
  /** Credits of every new user. Default 500 (a generation costs 100, an edit 50, an export nothing); the real backend gives anonymous users about 100. */
  initialCredits?: number;
  /** Idle time after which a session is gone (code 1002; `/run_sse`: HTTP 404). Default 1 hour. */
  sessionIdleMs?: number;
  /** Lifetime of anonymous tokens. Default 7 days. */
  tokenTtlMs?: number;
  /** Distinct client ids one IP may get anonymous tokens for in 7 days; more answer 429. Default 10. The IP is the socket's, or the first `X-Forwarded-For` entry. */
  anonymousTokensPerIp?: number;
  /** Largest accepted upload file (code 4002 above it). Default 500 MB. */
  maxUploadBytes?: number;
  /**
   * Tokens accepted from the start, besides the anonymous tokens the emulator issues: a list
   * (each a registered user with scope `*`), or settings by token (scopes, credits, user id).
   * Any other bearer token is answered with HTTP 401 and code 1001, as the service does.
   * `startEmulator` also accepts `NEMO_TOKEN` from the environment.
   */
  tokens?: readonly string[] | Record<string, EmulatorTokenOptions>;
  /** Faults to inject. */
  faults?: EmulatorFaults;
  /** Receives one line per request (method, path, status, ms); tokens are redacted. */
  log?: (line: string) => void;
}

/** A request the emulator received, as shown by `inspect()`. */
export interface InspectedRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** URL path, without query. */
  path: string;
  /** Query string (with `?`, tokens redacted), or `''`. */
  query: string;
  /** Request headers, lower-case names; bearer and claim tokens redacted to prefix + last 4 characters. */
  headers: Record<string, string>;
  /** Bytes of request body read (or declared by `Content-Length` when the body was not needed). */
  bodyBytes: number;
  /** Response status, once known; none when a fault reset the connection. */
  status?: number;
  /** `Date.now()` when the request arrived. */
  at: number;
}

/** A credit balance. `total` is `available + frozen`. */
export interface CreditBalance {
  /** Credits that can be spent now. */
  available: number;
  /** Credits reserved by operations in progress. */
  frozen: number;
  /** `available + frozen`. */
  total: number;
}

/** A session, as shown by `inspect()`. */
export interface InspectedSession {
  /** Session id. */
  sessionId: string;
  /** Task id. */
  taskId: string;
  /** Task name from creation. */
  taskName: string;
  /** Language from creation. */
  language: string;
  /** Owner. */
  userId: string;
  /** Whether the session has expired (idle too long). */
  expired: boolean;
  /** Texts of the messages received on `/run_sse`, in order (one per accepted send). */
  messages: string[];
  /** The state as `GET …/latest` would return it now (a copy). */
  state: Record<string, unknown>;
}

/** A render job, as shown by `inspect()`. */
export interface InspectedRender {
  /** Render id (the client's). */
  id: string;
  /** Session rendered. */
  sessionId: string;
  /** Status now. */
  status: 'pending' | 'processing' | 'completed' | 'failed';
  /** Progress 0-100. */
  progress: number;
}

/** What the emulator has seen and holds, for assertions. Copies: changing them changes nothing. */
export interface EmulatorSnapshot {
  /** Every request, in arrival order (CORS preflights included). */
  requests: InspectedRequest[];
  /** Every session, in creation order. */
  sessions: InspectedSession[];
  /** Balance per user id. */
  credits: Record<string, CreditBalance>;
  /** Every render job, in submission order. */
  renders: InspectedRender[];
}

/** Per-request context from the transport (the HTTP server passes the socket address). */
export interface RequestContext {
  /** Client IP address. */
  ip?: string;
}
