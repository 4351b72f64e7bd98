import type { Mutation, RunPlan } from './agent.js';
import { emptyState, type SessionData } from './draft.js';
import { sevenDaysMs, type ResolvedOptions } from './options.js';
import type { Random } from './random.js';
import type { CreditBalance, InspectedRender } from './types.js';

/** A user and the credits they started with. */
export interface UserRecord {
  id: string;
  anonymous: boolean;
  credits: number;
}

/** A bearer token. Anonymous tokens carry read/write/upload (docs/protocol.md › Error codes). */
export interface TokenRecord {
  token: string;
  userId: string;
  anonymous: boolean;
  scopes: string[];
  expiresAt: number;
  revoked: boolean;
}

/** A session with its state and the changes still to come. */
export interface SessionRecord {
  id: string;
  taskId: string;
  taskName: string;
  language: string;
  userId: string;
  lastActiveAt: number;
  /** When the last scheduled work is done (work counts as activity). */
  busyUntil: number;
  messages: string[];
  state: SessionData;
  pending: Array<{ dueAt: number; apply: Mutation['apply'] }>;
}

/** A render job; its status follows from the clock. */
export interface RenderRecord {
  id: string;
  sessionId: string;
  userId: string;
  startAt: number;
  endAt: number;
  fails: boolean;
  durationSec: number;
}

interface RunRecord {
  userId: string;
  cost: number;
  doneAt: number;
}

/** Scopes of anonymous tokens. */
export const anonymousScopes = ['read', 'write', 'upload'];

/** The emulator's memory. Time-driven: work and renders progress with `Date.now()`, not with timers. */
export class Store {
  readonly tokens = new Map<string, TokenRecord>();
  readonly users = new Map<string, UserRecord>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly renders = new Map<string, RenderRecord>();
  private readonly clients = new Map<string, string>();
  private readonly clientsByIp = new Map<string, Map<string, number>>();
  private runs: RunRecord[] = [];

  constructor(
    private readonly options: ResolvedOptions,
    private readonly random: Random,
  ) {
    for (const [token, spec] of Object.entries(options.tokens)) {
      const anonymous = spec.anonymous ?? false;
      const user = this.newUser(anonymous, spec.credits, spec.userId);
      const scopes = spec.scopes ?? (anonymous ? anonymousScopes : ['*']);
      this.tokens.set(token, { token, userId: user.id, anonymous, scopes, expiresAt: Number.POSITIVE_INFINITY, revoked: false });
    }
  }

  private newUser(anonymous: boolean, credits?: number, id?: string): UserRecord {
    const user = {
      id: id ?? `${anonymous ? 'anon' : 'user'}_${this.random.hex(12)}`,
      anonymous,
      credits: credits ?? this.options.initialCredits,
    };
    this.users.set(user.id, user);
    return user;
  }

  /** Returns the client's still-valid anonymous token, else issues one (same user for the same client); `undefined` when the IP is over its limit. */
  anonymousToken(clientId: string, ip: string): TokenRecord | undefined {
    const now = Date.now();
    const previous = this.tokens.get(this.clients.get(clientId) ?? '');
    if (previous && this.isValid(previous)) return previous;
    let seen = this.clientsByIp.get(ip);
    if (!seen) this.clientsByIp.set(ip, (seen = new Map()));
    for (const [id, at] of seen) if (now - at > sevenDaysMs) seen.delete(id);
    if (!seen.has(clientId)) {
      if (seen.size >= this.options.anonymousTokensPerIp) return undefined;
      seen.set(clientId, now);
    }
    const userId = previous?.userId ?? this.newUser(true).id;
    const record: TokenRecord = {
      token: `nmv_usr_${this.random.id(32)}`,
      userId,
      anonymous: true,
      scopes: anonymousScopes,
      expiresAt: now + this.options.tokenTtlMs,
      revoked: false,
    };
    this.tokens.set(record.token, record);
    this.clients.set(clientId, record.token);
    return record;
  }

  /** Finds a token the emulator issued or was given; any other token is unknown. */
  lookup(token: string): TokenRecord | undefined {
    return this.tokens.get(token);
  }

  /** Revokes a token, so it answers 1001 from now on (an unknown token is refused already). */
  expire(token: string): void {
    const record = this.tokens.get(token);
    if (record) record.revoked = true;
  }

  /** Whether a token is neither expired nor revoked. */
  isValid(record: TokenRecord): boolean {
    return !record.revoked && Date.now() < record.expiresAt;
  }

  /** The user's balance now: runs in progress are frozen, finished ones charged. */
  balance(userId: string): CreditBalance {
    const now = Date.now();
    let frozen = 0;
    let spent = 0;
    for (const run of this.runs) {
      if (run.userId !== userId) continue;
      if (now < run.doneAt) frozen += run.cost;
      else spent += run.cost;
    }
    const total = Math.max(0, (this.users.get(userId)?.credits ?? 0) - spent);
    return { available: Math.max(0, total - frozen), frozen, total };
  }

  /** Creates a session for a user. */
  createSession(userId: string, taskName: string, language: string): SessionRecord {
    const session: SessionRecord = {
      id: this.random.uuid(),
      taskId: `task_${this.random.hex(16)}`,
      taskName,
      language,
      userId,
      lastActiveAt: Date.now(),
      busyUntil: 0,
      messages: [],
      state: emptyState(),
      pending: [],
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Whether a session has been idle longer than `sessionIdleMs` (work in progress counts as activity). */
  isExpired(session: SessionRecord): boolean {
    return Date.now() - Math.max(session.lastActiveAt, session.busyUntil) > this.options.sessionIdleMs;
  }

  /** The user's live session, with due changes applied and activity noted; undefined when missing, expired or someone else's. */
  session(id: string, userId: string): SessionRecord | undefined {
    const session = this.sessions.get(id);
    if (!session || session.userId !== userId) return undefined;
    this.settle(session);
    if (this.isExpired(session)) return undefined;
    session.lastActiveAt = Date.now();
    return session;
  }

  /** Applies the changes that are due. */
  settle(session: SessionRecord): void {
    const now = Date.now();
    while (session.pending.length > 0 && (session.pending[0]?.dueAt ?? Infinity) <= now) {
      session.pending.shift()?.apply(session.state);
    }
  }

  /** Records a message and schedules its work; the credits stay frozen until `doneAtMs`. */
  startRun(session: SessionRecord, text: string, plan: RunPlan, startedAt: number): void {
    session.messages.push(text);
    session.busyUntil = Math.max(session.busyUntil, startedAt + plan.doneAtMs);
    for (const m of plan.mutations) session.pending.push({ dueAt: startedAt + m.atMs, apply: m.apply });
    // Stable sort keeps the plan's order for changes due at the same time.
    session.pending.sort((a, b) => a.dueAt - b.dueAt);
    if (plan.cost > 0) this.runs.push({ userId: session.userId, cost: plan.cost, doneAt: startedAt + plan.doneAtMs });
  }

  /** Queues a render behind the session's others (one active export per session). */
  submitRender(id: string, session: SessionRecord, fails: boolean): RenderRecord {
    const now = Date.now();
    let startAt = now;
    for (const other of this.renders.values()) {
      if (other.sessionId === session.id) startAt = Math.max(startAt, other.endAt);
    }
    const length = this.options.renderTimeMs;
    const render: RenderRecord = {
      id,
      sessionId: session.id,
      userId: session.userId,
      startAt,
      endAt: startAt + (fails ? Math.floor(length / 2) : length),
      fails,
      durationSec: Math.max(session.state.draft.d, 1000) / 1000,
    };
    this.renders.set(id, render);
    return render;
  }

  /** A render's status now: pending while queued and for its first tenth, then processing, then completed (or failed halfway). */
  renderStatus(render: RenderRecord): Pick<InspectedRender, 'status' | 'progress'> {
    const now = Date.now();
    if (now >= render.endAt) return render.fails ? { status: 'failed', progress: 50 } : { status: 'completed', progress: 100 };
    const length = this.options.renderTimeMs;
    const share = length > 0 ? (now - render.startAt) / length : 1;
    if (share < 0.1) return { status: 'pending', progress: 0 };
    return { status: 'processing', progress: Math.min(99, Math.max(1, Math.round(share * 100))) };
  }
}
