import { planRun } from './agent.js';
import { authenticate, readJson, stringField, type Call, type EmulatorState } from './context.js';
import { failure, json } from './reply.js';
import { sseBody } from './sse.js';

function messageText(body: Record<string, unknown>): string {
  const message = (body.new_message ?? body.newMessage) as { parts?: unknown } | undefined;
  const parts = Array.isArray(message?.parts) ? (message.parts as Array<{ text?: unknown }>) : [];
  return parts
    .map((p) => (typeof p?.text === 'string' ? p.text : ''))
    .filter((t) => t !== '')
    .join('\n');
}

/**
 * `POST /run_sse` (docs/protocol.md › The chat stream): ADK frames, heartbeats while the agent works.
 * Accepts snake_case and camelCase keys, as the Python ADK server does. The work is scheduled
 * in the store, so it lands in the state even when the stream is cut, stalled or aborted.
 */
export async function runSse(emu: EmulatorState, call: Call): Promise<Response> {
  const token = authenticate(emu, call, 'write');
  const body = await readJson(call);
  const sessionId = stringField(body, 'session_id', 'sessionId');
  const appName = stringField(body, 'app_name', 'appName') ?? 'nemo_agent';
  const text = messageText(body);
  // ADK's own errors are bare `{"error": …}` objects, not envelopes (fixtures/adk-sse/README.md).
  if (appName !== 'nemo_agent') return json(404, { error: `App not found: ${appName}` });
  if (!sessionId) return json(422, { error: 'session_id is required' });
  if (!text) return json(422, { error: 'new_message needs at least one text part' });
  const session = emu.store.session(sessionId, token.userId);
  if (!session) return json(404, { error: `Session not found: ${sessionId}` });

  const { options, random, store } = emu;
  const streaming = body.streaming === true;
  const plan = planRun({ text, streaming, state: session.state, origin: call.origin, random, options });
  const balance = store.balance(token.userId);
  if (balance.available < plan.cost) {
    throw failure(200, 2001, `Out of credits: this needs ${plan.cost}, ${balance.available} available`);
  }
  const startedAt = Date.now();
  store.startRun(session, text, plan, startedAt);

  const faults = emu.faults.config;
  const stream = sseBody(plan.frames, {
    startedAt,
    heartbeatEveryMs: options.heartbeatEveryMs,
    dropAfterEvents: faults.dropStreamAfterEvents,
    stallAfterEvents: faults.stallStreamAfterEvents,
    errorFrame: emu.faults.errorFrame(),
    signal: call.request.signal,
    onEnd: () => emu.streams.delete(stream.kill),
  });
  emu.streams.add(stream.kill);
  return new Response(stream.body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
  });
}
