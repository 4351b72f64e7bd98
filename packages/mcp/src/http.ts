/**
 * Streamable HTTP: one MCP server and transport per MCP session, on 127.0.0.1 by default, behind
 * the SDK's Host check and an Origin check (both against DNS rebinding from web pages).
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend } from './backend.js';
import { createServer } from './server.js';

/** Options of {@link serveHttp}. */
export interface ServeHttpOptions {
  /** Port; 0 picks a free one. Default 3333. */
  port?: number | undefined;
  /** Interface. Default `127.0.0.1`. */
  host?: string | undefined;
  /** Host names accepted besides the loopback ones (for a non-loopback `host`). */
  allowedHosts?: readonly string[] | undefined;
  /** Origins accepted besides loopback ones (`http://localhost:*`, `http://127.0.0.1:*`). */
  allowedOrigins?: readonly string[] | undefined;
}

/** A listening HTTP server. */
export interface RunningHttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3333/mcp`. */
  url: string;
  /** Closes every MCP session and stops listening. */
  close(): Promise<void>;
}

// The parts of express's request and response used here (express ships no types of its own).
type Request = IncomingMessage & { body?: unknown };
type Response = ServerResponse & { status(code: number): Response; json(body: unknown): Response };
type NextFunction = (error?: unknown) => void;

const loopbackHosts = ['localhost', '127.0.0.1', '[::1]'];

function isLoopbackOrigin(origin: string): boolean {
  try {
    return loopbackHosts.includes(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/** Serves the MCP endpoint `/mcp` over Streamable HTTP. */
export async function serveHttp(backend: Backend, options: ServeHttpOptions = {}): Promise<RunningHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const wildcard = host === '0.0.0.0' || host === '::';
  const named = loopbackHosts.includes(host) || host === '::1' || wildcard ? [] : [host];
  const app = createMcpExpressApp({ host, allowedHosts: [...loopbackHosts, ...named, ...(options.allowedHosts ?? [])] });
  const origins = new Set(options.allowedOrigins ?? []);
  const sessions = new Map<string, StreamableHTTPServerTransport>();

  // A browser page of another site must not drive the server: a request with a foreign Origin is refused.
  const checkOrigin = (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin === undefined || isLoopbackOrigin(origin) || origins.has(origin)) return next();
    backend.log('warning', `Refused a request from origin ${origin}: start the server with --allow-origin ${origin} to accept it.`);
    res.status(403).json({ jsonrpc: '2.0', error: { code: -32000, message: `Origin ${origin} is not allowed.` }, id: null });
  };

  const handle = async (req: Request, res: Response) => {
    const id = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(id) ? id[0] : id;
    let transport = sessionId ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId || req.method !== 'POST' || !isInitializeRequest(req.body)) {
        res.status(sessionId ? 404 : 400).json({ jsonrpc: '2.0', error: { code: -32000, message: sessionId ? 'Unknown MCP session: initialize again.' : 'Send an initialize request first.' }, id: null });
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => {
          sessions.set(sid, created);
        },
      });
      created.onclose = () => {
        if (created.sessionId) sessions.delete(created.sessionId);
      };
      // Local paths stay off over HTTP: the files would be the server's, not the client's.
      await createServer({ backend, localPaths: false }).connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, req.body);
  };

  app.use('/mcp', checkOrigin);
  app.post('/mcp', (req: Request, res: Response, next: NextFunction) => void handle(req, res).catch(next));
  app.get('/mcp', (req: Request, res: Response, next: NextFunction) => void handle(req, res).catch(next));
  app.delete('/mcp', (req: Request, res: Response, next: NextFunction) => void handle(req, res).catch(next));

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 3333, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : wildcard ? '127.0.0.1' : host;
  return {
    url: `http://${shown}:${port}/mcp`,
    async close() {
      await Promise.all([...sessions.values()].map((t) => t.close().catch(() => {})));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
