import type { Random } from './random.js';
import { json } from './reply.js';
import type { EmulatorFaults, FaultFrequency, PathPattern } from './types.js';

/** Whether a path matches a pattern: a RegExp, an exact string, or a prefix ending with `*`. */
export function matchesPath(pattern: PathPattern | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  if (typeof pattern !== 'string') {
    pattern.lastIndex = 0;
    return pattern.test(path);
  }
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
}

/** Decides when configured faults fire, counting per fault; `reset()` starts the counts again. */
export class Faults {
  private fired = new Map<object, number>();

  constructor(
    readonly config: EmulatorFaults,
    private readonly random: Random,
  ) {}

  /** Forgets how often each fault fired. */
  reset(): void {
    this.fired.clear();
  }

  /** Whether a fault fires now (and counts it when it does). */
  private fires(key: object, frequency: FaultFrequency): boolean {
    const count = this.fired.get(key) ?? 0;
    if (frequency.times !== undefined && count >= frequency.times) return false;
    if (frequency.rate !== undefined && !this.random.chance(frequency.rate)) return false;
    this.fired.set(key, count + 1);
    return true;
  }

  /** An injected answer that replaces the request's handling, if a fault fires: server errors, listed errors, then rate limits. */
  intercept(method: string, path: string): Response | undefined {
    const { serverErrorRate, errors = [], rateLimit } = this.config;
    if (this.random.chance(serverErrorRate)) {
      const status = this.random.pick([500, 502, 503]);
      return json(status, { code: status, message: `Emulated server error (${status})`, data: null });
    }
    for (const fault of errors) {
      if (fault.method && fault.method.toUpperCase() !== method) continue;
      if (!matchesPath(fault.path, path) || !this.fires(fault, fault)) continue;
      const status = fault.status ?? (fault.code === undefined ? 500 : 200);
      const code = fault.code ?? status;
      return json(status, { code, message: fault.message ?? `Emulated error ${code}`, data: null }, fault.headers);
    }
    if (rateLimit && matchesPath(rateLimit.path, path) && this.fires(rateLimit, rateLimit)) {
      const seconds = rateLimit.retryAfterSeconds ?? 30;
      return json(429, { code: 429, message: `Rate limited: retry after ${seconds} s`, data: null }, { 'retry-after': String(seconds) });
    }
    return undefined;
  }

  /** Whether this authenticated request finds its token expired. */
  expireToken(): boolean {
    const rule = this.config.expireToken;
    return rule !== undefined && this.fires(rule, rule);
  }

  /** Whether the next render fails. */
  failRender(): boolean {
    const rule = this.config.failRenders;
    if (rule === undefined) return false;
    const frequency = typeof rule === 'number' ? { times: rule } : rule;
    return this.fires(frequency === rule ? rule : failRendersKey, frequency);
  }
}

// `failRenders` given as a number has no object to count against.
const failRendersKey = {};
