// size-limit entry: the same app as full-client.js, built on NemoVideoCore with only the resources
// it uses (sessions, chat, render), so uploads, credits, generate and its helpers are left out.
// Bundled into one file, so ky and the zod schemas (loaded with dynamic `import()`) are counted.
import { NemoVideoCore, Sessions, Chat, Render } from '../../dist/index.js';

export async function run(prompt) {
  const core = new NemoVideoCore();
  const { sessionId } = await new Sessions(core).create();
  const { text } = await new Chat(core).send(sessionId, prompt).finalResult();
  const job = await new Render(core).export(sessionId);
  return { text, url: job.output?.url };
}
