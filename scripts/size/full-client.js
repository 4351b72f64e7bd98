// size-limit entry: the full client as an app uses it (chat, its final result, export).
// Bundled into one file, so ky and the zod schemas (loaded with dynamic `import()`) are counted.
import { NemoVideo } from '../../dist/index.js';

export async function run(prompt) {
  const nemo = new NemoVideo();
  const { sessionId } = await nemo.sessions.create();
  const { text } = await nemo.chat.send(sessionId, prompt).finalResult();
  const job = await nemo.render.export(sessionId);
  return { text, url: job.output?.url };
}
