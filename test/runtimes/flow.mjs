/**
 * The end-to-end flow every runtime of the matrix runs (scripts/test-runtimes.mjs): client →
 * session → chat stream → state → export → download. Plain JavaScript with no import of its
 * own: the caller passes the `nemovideo` module it loaded (ESM, CJS or a bundle).
 */
const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));

/** Runs the flow against the emulator at `baseURL`; resolves to a summary, rejects naming the failed call. */
export async function flow(sdk, baseURL, clientId) {
  const call = async (name, fn) => {
    try {
      return await fn();
    } catch (error) {
      throw new Error(`${name} failed: ${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`, { cause: error });
    }
  };
  // No token: the client gets an anonymous one on first need, with this client id.
  const nemo = new sdk.NemoVideo({ baseURL, clientId });
  const { sessionId } = await call('sessions.create', () => nemo.sessions.create({ language: 'en' }));

  const stream = nemo.chat.send(sessionId, 'generate a 5-second video about a coffee brand launch', { partialText: true });
  const seen = new Set();
  await call('chat.send (iterating the stream)', async () => {
    for await (const event of stream) seen.add(event.type);
  });
  const answer = await call('chat.finalResult', () => stream.finalResult());
  if (!seen.has('tool_call') || answer.silent) throw new Error(`chat: expected a tool call and a text, saw ${[...seen]}`);

  // The backend adds music and a title after the answer: read until the draft has them.
  let state;
  for (let read = 1; read <= 60; read++) {
    state = await call('state.latest', () => nemo.state.latest(sessionId));
    if ((state.draft?.tracks.length ?? 0) >= 3) break;
    await sleep(100);
  }
  const summary = sdk.summarizeTimeline(state.draft);
  if (!sdk.isExportable(state.draft)) throw new Error(`state: the draft is not exportable: ${summary}`);

  const job = await call('render.export', () => nemo.render.export(sessionId, { intervalMs: 100, maxPolls: 60 }));
  const body = await call('render.download', () => nemo.render.download(job));
  const bytes = new Uint8Array(await call('reading the download', () => new Response(body).arrayBuffer()));
  const box = String.fromCharCode(...bytes.subarray(4, 8));
  if (box !== 'ftyp') throw new Error(`render.download: expected an MP4 (ftyp at byte 4), got ${JSON.stringify(box)}`);

  // A typed error, raised and matched in this runtime.
  const missing = await nemo.state.latest('no-such-session').then(
    () => undefined,
    (error) => error,
  );
  if (!(missing instanceof sdk.SessionNotFoundError) || !sdk.isNemoVideoError(missing)) {
    throw new Error(`state.latest(unknown session): expected SessionNotFoundError, got ${missing?.name}: ${missing?.message}`);
  }

  return { events: [...seen].sort(), text: answer.text.slice(0, 48), summary, render: job.status, mp4Bytes: bytes.length, error: missing.name };
}
