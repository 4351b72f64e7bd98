/**
 * A relay that keeps the token on the server: `POST /chat {"text", "sessionId"?}` answers with
 * Server-Sent Events, one `data:` frame per chat event and `: ping` comments for heartbeats.
 * Run: npx tsx examples/relay-server.ts, then
 *   curl -N localhost:8788/chat -d '{"text":"generate a 10-second video about a coffee brand launch"}'
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import { pathToFileURL } from 'node:url';
import { NemoVideo } from '../src/index.js';
import { startEmulator } from '../src/testing/index.js';

export function createRelay({ nemo }: { nemo: NemoVideo }): RequestListener {
  return async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/chat') return void res.writeHead(404).end();
    const { text, sessionId: given } = await readJson(req);
    if (typeof text !== 'string' || !text.trim()) return void res.writeHead(400).end('{"text"} is required');
    // The browser going away aborts the one /run_sse; nothing is ever re-sent.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    res.socket?.setNoDelay(true);
    const send = async (frame: string) => {
      if (!res.write(frame)) await once(res, 'drain', { signal: gone.signal });
    };
    try {
      const sessionId = given ?? (await nemo.sessions.create({}, { signal: gone.signal })).sessionId;
      await send(`data: ${JSON.stringify({ type: 'session', sessionId })}\n\n`);
      const stream = nemo.chat.send(sessionId, text, { signal: gone.signal, partialText: true });
      for await (const { raw, ...event } of stream) {
        await send(event.type === 'heartbeat' ? ': ping\n\n' : `data: ${JSON.stringify(event)}\n\n`);
      }
      const { text: answer, silent } = await stream.finalResult();
      await send(`data: ${JSON.stringify({ type: 'done', sessionId, text: answer, silent })}\n\n`);
    } catch (error) {
      if (gone.signal.aborted) return; // the client left: nobody to tell
      const { name, message, sessionId } = error as { name: string; message: string; sessionId?: string };
      await send(`data: ${JSON.stringify({ type: 'failed', name, message, sessionId })}\n\n`).catch(() => {});
    }
    res.end();
  };
}

async function readJson(req: IncomingMessage): Promise<{ text?: unknown; sessionId?: string }> {
  let body = '';
  for await (const chunk of req) if ((body += chunk).length > 65_536) break;
  try {
    return JSON.parse(body) ?? {};
  } catch {
    return {};
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // NEMO_API_URL / NEMO_TOKEN reach the real service; without them a local emulator answers.
  const emulator = process.env.NEMO_API_URL ? undefined : await startEmulator({ seed: 1 });
  const nemo = new NemoVideo({ baseURL: emulator?.url });
  const port = Number(process.env.PORT ?? 8788);
  createServer(createRelay({ nemo })).listen(port, () => console.log(`relay on http://localhost:${port}/chat`));
}
