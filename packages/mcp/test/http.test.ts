/**
 * The built bin over Streamable HTTP (`nemovideo-mcp --http --emulator`), driven by the official
 * client: the same whole job, sessions per client, and the DNS-rebinding guards.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { callWithProgress, connectHttp, isMp4, startHttp, textOf, type HttpServer } from './helpers.js';

// Each test spawns the server and runs whole jobs: generous limits on a shared, loaded machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

describe('nemovideo-mcp --http --emulator', () => {
  let server: HttpServer;
  beforeAll(async () => {
    server = await startHttp(['--emulator']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('listens on loopback only, at /mcp', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  test('create_video end to end with progress, and the MP4 downloads', async () => {
    const c = await connectHttp(server.url);
    try {
      const { tools } = await c.client.listTools();
      expect(tools.map((t) => t.name)).toContain('create_video');
      const { result, progress } = await callWithProgress(c, 'create_video', { prompt: 'a 10-second video about a coffee brand launch' });
      expect(result.isError, textOf(result)).toBeFalsy();
      const out = result.structuredContent as { status: string; video_url: string; render_id: string };
      expect(out.status).toBe('done');
      const values = progress.map((p) => p.progress);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(progress.at(0)?.message).toMatch(/^Session /);
      expect(progress.some((p) => /^Rendering render_\S+: completed 100%$/.test(p.message ?? ''))).toBe(true);
      const response = await fetch(out.video_url);
      expect(isMp4(new Uint8Array(await response.arrayBuffer()))).toBe(true);
    } finally {
      await c.close();
    }
  });

  test('each client has its own MCP session; local paths are refused over HTTP', async () => {
    const a = await connectHttp(server.url, 'client-a');
    const b = await connectHttp(server.url, 'client-b');
    try {
      const sa = (a.client as unknown as { _transport: { sessionId?: string } })._transport.sessionId;
      const sb = (b.client as unknown as { _transport: { sessionId?: string } })._transport.sessionId;
      expect(sa).toBeTruthy();
      expect(sb).toBeTruthy();
      expect(sa).not.toBe(sb);
      const started = await a.client.callTool({ name: 'create_video', arguments: { prompt: 'a video about kites', wait: false, export: false } });
      const sessionId = (started.structuredContent as { session_id: string }).session_id;
      const upload = await b.client.callTool({ name: 'upload_media', arguments: { session_id: sessionId, paths: ['/etc/hosts'] } });
      expect(upload.isError).toBe(true);
      expect(textOf(upload)).toMatch(/Local paths are not accepted over HTTP/);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a request from a foreign Origin is refused', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify(initialize),
      });
    const foreign = await post({ origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toMatch(/Origin https:\/\/evil\.example is not allowed/);
    const local = await post({ origin: new URL(server.url).origin });
    expect(local.status).toBe(200);
    await local.body?.cancel();
    expect(server.stderr()).toMatch(/Refused a request from origin https:\/\/evil\.example/);
  });

  test('a request with a foreign Host (DNS rebinding) is refused', async () => {
    const { port } = new URL(server.url);
    // fetch does not let a page set Host; node:http does, as a rebinding browser effectively would.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { host: `evil.example:${port}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify(initialize));
    });
    expect(status).toBe(403);
  });
});
