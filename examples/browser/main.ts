/**
 * The SDK in a web page: chat with live text, the timeline, an export into a <video>.
 * Build with examples/browser/build.ts, serve dist/, open index.html?api=<emulator URL>.
 */
import { Auth, Chat, NemoVideoCore, Render, Sessions, State, StreamInterruptedError, StreamTimeoutError, isExportable, summarizeTimeline } from '../../src/index.js';

const params = new URLSearchParams(location.search);
const baseURL = params.get('api') ?? (globalThis as { NEMO_API_URL?: string }).NEMO_API_URL ?? 'http://127.0.0.1:8787';
const pollMs = Number(params.get('pollMs') ?? 30_000); // the real service wants 30 s between polls
// The anonymous token is fetched here, in the browser, on first need. A real app keeps tokens
// on its server (examples/relay-server.ts) and gives each visitor its own client id.
// A page ships only what it uses: the client core and five resources built on it (uploads,
// credits and generate() stay out of the bundle). `new NemoVideo(…)` would work the same.
const core = new NemoVideoCore({ baseURL, clientId: 'browser-demo' });
const nemo = { sessions: new Sessions(core), chat: new Chat(core), state: new State(core), render: new Render(core), auth: new Auth(core) };

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (line: string) => void ($('status').textContent = line);

async function run(prompt: string): Promise<void> {
  status('Creating a session…');
  const { sessionId, taskId } = await nemo.sessions.create({ language: 'en' });
  const texts: string[] = [];
  let live = '';
  try {
    status('The agent is working…');
    for await (const event of nemo.chat.send(sessionId, prompt, { partialText: true })) {
      if (event.type === 'tool_call') status(`The agent runs ${event.name}…`);
      if (event.type !== 'text') continue;
      live = event.partial ? live + event.text : '';
      if (!event.partial) texts.push(event.text); // a whole text replaces the deltas before it
      $('text').textContent = [...texts, live].filter(Boolean).join('\n\n');
    }
  } catch (error) {
    // A cut or quiet stream: the agent goes on working. Never re-send; read the state instead.
    if (!(error instanceof StreamInterruptedError || error instanceof StreamTimeoutError)) throw error;
  }
  // The backend adds music and a title after the answer: read until two reads agree.
  for (let polls = 1, before = ''; polls <= 20; polls++) {
    const { draft } = await nemo.state.latest(sessionId);
    $('summary').textContent = summarizeTimeline(draft);
    const now = JSON.stringify(draft?.raw ?? null);
    if (isExportable(draft) && now === before) break;
    before = now;
    await new Promise((wake) => setTimeout(wake, pollMs));
  }
  status('Rendering…');
  const job = await nemo.render.export(sessionId, { intervalMs: pollMs, onProgress: (j) => status(`Rendering… ${j.progress ?? 0}%`) });
  $<HTMLVideoElement>('video').src = job.output?.url ?? '';
  $<HTMLAnchorElement>('claim').href = await nemo.auth.claimUrl({ taskId, sessionId });
  $('claim').hidden = false;
  status('Done.');
}

$('form').addEventListener('submit', (event) => {
  event.preventDefault();
  $<HTMLButtonElement>('send').disabled = true;
  run($<HTMLInputElement>('prompt').value)
    .catch((error: Error) => (status(`${error.name}: ${error.message}`), console.error(error)))
    .finally(() => ($<HTMLButtonElement>('send').disabled = false));
});
