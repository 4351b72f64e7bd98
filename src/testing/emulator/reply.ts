/** Request headers a browser client sends (docs/protocol.md › Headers). */
export const allowedHeaders = [
  'authorization',
  'content-type',
  'accept',
  'x-client-id',
  'x-skill-source',
  'x-skill-version',
  'x-skill-platform',
  'last-event-id',
].join(', ');

/** CORS headers on every response, so browser apps can use a started emulator. */
export const corsHeaders: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'retry-after, content-length, content-type, x-request-id',
};

/** The answer to a CORS preflight. */
export function preflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders,
      'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
      'access-control-allow-headers': allowedHeaders,
      'access-control-max-age': '600',
    },
  });
}

/** A JSON response. */
export function json(status: number, body: unknown, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** An HTML response, as a proxy in front of the service sends. */
export function html(status: number, page: string, headers?: Record<string, string>): Response {
  return new Response(page, { status, headers: { 'content-type': 'text/html', ...headers } });
}

/** A success envelope `{code:0,data}` (docs/protocol.md › Envelope). */
export function ok(data: unknown, headers?: Record<string, string>): Response {
  return json(200, { code: 0, data }, headers);
}

/** Work due within this long counts as done by the next read (about a round trip and a client's shortest poll). */
export const dueSoonMs = 250;

/**
 * A poll hint: `Retry-After` in whole seconds until work due at `dueAt` (ms) is done, rounded up
 * (HTTP allows no fractions), or `0` when it is due within {@link dueSoonMs} or already done:
 * the next read will find it finished.
 */
export function pollHint(dueAt: number, now = Date.now()): Record<string, string> {
  const remaining = dueAt - now;
  return { 'retry-after': String(remaining <= dueSoonMs ? 0 : Math.ceil(remaining / 1000)) };
}

/** An error answer, thrown by handlers and turned into its response at the top. */
export class Reply extends Error {
  /** The response to send. */
  readonly response: Response;
  constructor(response: Response) {
    super(`emulator reply ${response.status}`);
    this.response = response;
  }
}

/**
 * The connection dropped before any response header (fault `reset`): `handle()` rejects with it,
 * the Node server destroys the socket, and msw answers with a network error. Like undici's, it is
 * a `TypeError` "fetch failed" whose cause is a socket error.
 */
export class ConnectionReset extends TypeError {
  constructor() {
    const cause = Object.assign(new Error('other side closed: the emulator reset the connection (fault reset)'), {
      name: 'SocketError',
      code: 'UND_ERR_SOCKET',
    });
    super('fetch failed', { cause });
  }
}

/** Makes an error envelope `{code,message,data:null}` with an HTTP status, to throw. */
export function failure(status: number, code: number, message: string, headers?: Record<string, string>): Reply {
  return new Reply(json(status, { code, message, data: null }, headers));
}

/** Redacts a token to its prefix and last four characters (`nmv_usr_…3f9a`); short tokens keep no tail. */
export function redactToken(token: string): string {
  const prefix = /^[a-z]+_(?:[a-z]+_)?/i.exec(token)?.[0] ?? '';
  const rest = token.slice(prefix.length);
  return rest.length > 8 ? `${prefix}…${rest.slice(-4)}` : `${prefix}…`;
}

const secretPattern = /(Bearer\s+)(\S+)|\b(?:nmv|clm)_[A-Za-z0-9_-]+/gi;

/** Redacts every bearer or claim token found in a text. */
export function redactText(text: string): string {
  return text.replace(secretPattern, (match: string, lead?: string, token?: string) =>
    lead && token ? lead + redactToken(token) : redactToken(match),
  );
}

/** Copies headers with lower-case names, secrets redacted. */
export function redactHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = redactText(value);
  });
  return out;
}

/** Reads the bearer token of a request, if any. */
export function bearerOf(request: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  return match?.[1];
}
