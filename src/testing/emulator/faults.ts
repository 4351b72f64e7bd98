import type { Random } from './random.js';
import { html, json } from './reply.js';
import type { EmulatorErrorFault, EmulatorFaults, FaultFrequency, PathPattern } from './types.js';

/** Whether a path matches a pattern: a RegExp, an exact string, or a prefix ending with `*`. */
export function matchesPath(pattern: PathPattern | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  if (typeof pattern !== 'string') {
    pattern.lastIndex = 0;
    return pattern.test(path);
  }
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
}

/** A fault that fired on a request. */
export interface InjectedFault {
  /** The answer to send instead of the normal one, or `'reset'` to drop the connection before any header. */
  answer: Response | 'reset';
  /** Whether the request is handled first (its effects happen) and only its answer replaced. */
  processed: boolean;
}

const reasons: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

/** The page an nginx proxy answers an error with. */
function proxyPage(status: number): string {
  const title = `${status} ${reasons[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/** What a listed error fault does: drop the connection, or answer an HTML page or an envelope. */
function errorFault(fault: EmulatorErrorFault): InjectedFault {
  const status = fault.status ?? (fault.code === undefined ? 500 : 200);
  const processed = fault.processed ?? (fault.reset === true || status >= 500);
  if (fault.reset) return { answer: 'reset', processed };
  if (fault.html !== undefined && fault.html !== false) {
    return { answer: html(status, typeof fault.html === 'string' ? fault.html : proxyPage(status), fault.headers), processed };
  }
  const code = fault.code ?? status;
  return { answer: json(status, { code, message: fault.message ?? `Emulated error ${code}`, data: null }, fault.headers), processed };
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

  /** The fault that fires on a request, if any: server errors, listed errors, then rate limits. */
  intercept(method: string, path: string): InjectedFault | undefined {
    const { serverErrorRate, errors = [], rateLimit } = this.config;
    if (this.random.chance(serverErrorRate)) {
      const status = this.random.pick([500, 502, 503]);
      return { answer: json(status, { code: status, message: `Emulated server error (${status})`, data: null }), processed: false };
    }
    for (const fault of errors) {
      if (fault.method && fault.method.toUpperCase() !== method) continue;
      if (!matchesPath(fault.path, path) || !this.fires(fault, fault)) continue;
      return errorFault(fault);
    }
    if (rateLimit && matchesPath(rateLimit.path, path) && this.fires(rateLimit, rateLimit)) {
      const seconds = rateLimit.retryAfterSeconds ?? 30;
      const answer = json(429, { code: 429, message: `Rate limited: retry after ${seconds} s`, data: null }, { 'retry-after': String(seconds) });
      return { answer, processed: false };
    }
    return undefined;
  }

  /** How long to hold a request before handling it: the sum of the `delays` entries that fire on it. */
  delay(method: string, path: string): number {
    let ms = 0;
    for (const fault of this.config.delays ?? []) {
      if (fault.method && fault.method.toUpperCase() !== method) continue;
      if (matchesPath(fault.path, path) && this.fires(fault, fault)) ms += fault.delayMs;
    }
    return ms;
  }

  /** The bare error frame a new `/run_sse` stream ends with, if the `errorFrame` fault fires on it. */
  errorFrame(): { afterEvents: number; data: string } | undefined {
    const rule = this.config.errorFrame;
    if (rule === undefined || !this.fires(rule, rule)) return undefined;
    return { afterEvents: rule.afterEvents ?? 0, data: rule.data ?? JSON.stringify({ error: 'Emulated agent failure' }) };
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
