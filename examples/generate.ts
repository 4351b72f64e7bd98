/**
 * The whole job in one call (session → chat → state → export) on a local emulator.
 * Run: npx tsx examples/generate.ts "a 10-second video about a coffee brand launch"
 * For the real service, drop the emulator, `baseURL` and the short intervals: it takes minutes.
 */
import { pathToFileURL } from 'node:url';
import { NemoVideo, type GenerateResult } from '../src/index.js';
import { startEmulator } from '../src/testing/index.js';

export async function main(prompt: string, log: (line: string) => void = console.log): Promise<GenerateResult> {
  const emulator = await startEmulator({ seed: 1, generationMs: 400, secondStageMs: 300, renderTimeMs: 600 });
  try {
    const nemo = new NemoVideo({ baseURL: emulator.url });
    let phase = '';
    const result = await nemo.generate(prompt, {
      settle: { intervalMs: 400 },
      render: { intervalMs: 300 },
      onProgress: (p) => {
        if (p.phase !== phase) log(`… ${(phase = p.phase)}`);
      },
    });
    log(`agent: ${result.text}`);
    log(result.summary);
    log(`video: ${result.url}`);
    log(`open the project: ${result.claimUrl}`);
    return result;
  } finally {
    await emulator.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv[2] ?? 'a 10-second video about a coffee brand launch');
}
