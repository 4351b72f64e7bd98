/**
 * Browser bundle size of the same small program, "create a client, stream a chat, poll a job",
 * written with nemovideo and with each peer SDK, plus the bare floor it could be written on
 * (ky + eventsource-parser + zod/mini with one object schema). Run:
 * `npx tsx bench/bundle-size.bench.ts` (Node 24; after `npm run build`). Not a test.
 *
 * Each program is bundled by esbuild (`--bundle --minify --platform=browser`, ESM, no code
 * splitting) and the output gzipped at level 9 with zlib. nemovideo is bundled from its built
 * package (`dist/`, resolved by name through the package's own `exports`). It loads ky and its
 * zod schemas with a dynamic `import()` on first call; without splitting esbuild inlines those
 * modules into the one output file, and this bench checks that (one output, ky and zod among
 * its inputs) so the lazily loaded code is counted.
 * Targets (restated for ky 2, whose 8.7 KB gz alone puts the ky + eventsource-parser + zod/mini
 * floor at 14.7 KB): `NemoVideo` with everything ≤ 30 KB; `NemoVideoCore` + `Chat` + `Render`
 * ≤ 24 KB. The peers and the floor are reported beside them.
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { report, type BenchRow } from './lib.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const programs: Record<string, string> = {
  nemovideo: `
    import { NemoVideo } from 'nemovideo';
    const nemo = new NemoVideo({ token: 'nmv_usr_x' });
    const stream = nemo.chat.send('session-1', 'make a 30-second coffee ad', { partialText: true });
    for await (const event of stream) console.log(event);
    console.log(await stream.finalResult());
    console.log(await nemo.render.wait('render-1'));
  `,
  // The same program on NemoVideoCore with only the resources it uses (uploads, generate… left out).
  'nemovideo (core + Chat + Render)': `
    import { NemoVideoCore, Chat, Render } from 'nemovideo';
    const core = new NemoVideoCore({ token: 'nmv_usr_x' });
    const stream = new Chat(core).send('session-1', 'make a 30-second coffee ad', { partialText: true });
    for await (const event of stream) console.log(event);
    console.log(await stream.finalResult());
    console.log(await new Render(core).wait('render-1'));
  `,
  openai: `
    import OpenAI from 'openai';
    const client = new OpenAI({ apiKey: 'k', dangerouslyAllowBrowser: true });
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'make a 30-second coffee ad' }], stream: true });
    for await (const chunk of stream) console.log(chunk.choices[0]?.delta?.content);
    let video = await client.videos.create({ prompt: 'a coffee ad' });
    while (video.status === 'queued' || video.status === 'in_progress') video = await client.videos.retrieve(video.id);
    console.log(video);
  `,
  '@fal-ai/client': `
    import { fal } from '@fal-ai/client';
    fal.config({ credentials: 'k' });
    const stream = await fal.stream('fal-ai/any-llm', { input: { prompt: 'make a 30-second coffee ad' } });
    for await (const event of stream) console.log(event);
    console.log(await stream.done());
    const { request_id } = await fal.queue.submit('fal-ai/veo3', { input: { prompt: 'a coffee ad' } });
    let status;
    do status = await fal.queue.status('fal-ai/veo3', { requestId: request_id });
    while (status.status !== 'COMPLETED');
    console.log(await fal.queue.result('fal-ai/veo3', { requestId: request_id }));
  `,
  '@google/genai': `
    import { GoogleGenAI } from '@google/genai';
    const ai = new GoogleGenAI({ apiKey: 'k' });
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'make a 30-second coffee ad' });
    for await (const chunk of stream) console.log(chunk.text);
    let op = await ai.models.generateVideos({ model: 'veo-3.0-generate-001', prompt: 'a coffee ad' });
    while (!op.done) op = await ai.operations.getVideosOperation({ operation: op });
    console.log(op.response);
  `,
  // Runway has no chat stream: the program only creates a task and polls it.
  '@runwayml/sdk': `
    import RunwayML from '@runwayml/sdk';
    const client = new RunwayML({ apiKey: 'k', dangerouslyAllowBrowser: true });
    const task = await client.imageToVideo.create({ model: 'gen4_turbo', promptImage: 'https://x.test/a.png', ratio: '1280:720' });
    let t;
    do t = await client.tasks.retrieve(task.id);
    while (t.status !== 'SUCCEEDED' && t.status !== 'FAILED');
    console.log(t);
  `,
  replicate: `
    import Replicate from 'replicate';
    const replicate = new Replicate({ auth: 'k' });
    for await (const event of replicate.stream('meta/meta-llama-3-8b-instruct', { input: { prompt: 'make a 30-second coffee ad' } })) console.log(String(event));
    let p = await replicate.predictions.create({ model: 'google/veo-3', input: { prompt: 'a coffee ad' } });
    p = await replicate.wait(p);
    console.log(p.output);
  `,
  'floor: ky + eventsource-parser + zod/mini': `
    import ky from 'ky';
    import { createParser } from 'eventsource-parser';
    import * as z from 'zod/mini';
    const api = ky.create({ baseUrl: 'https://api.test/', headers: { authorization: 'Bearer k' } });
    const res = await api.post('run_sse', { json: { text: 'make a 30-second coffee ad' }, timeout: false });
    const text = new TextDecoder();
    const parser = createParser({ onEvent: (event) => console.log(JSON.parse(event.data)) });
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(text.decode(value, { stream: true }));
    }
    const Job = z.object({ status: z.string(), url: z.optional(z.string()) });
    let job;
    do job = Job.parse(await api.get('render/1').json());
    while (job.status !== 'completed');
    console.log(job);
  `,
  // The floor's parts alone, for the record.
  'ky alone': `import ky from 'ky'; console.log(await ky.get('https://api.test/x').json());`,
  'eventsource-parser alone': `import { createParser } from 'eventsource-parser'; createParser({ onEvent: console.log }).feed('data: 1\\n\\n');`,
  'zod/mini, one object schema': `import * as z from 'zod/mini'; console.log(z.object({ status: z.string(), url: z.optional(z.string()) }).parse({ status: 'x' }));`,
};

interface Size {
  raw: number;
  gzip: number;
  outputs: number;
  /** Minified bytes per package (or per file of nemovideo's dist). */
  parts: Record<string, number>;
}

async function measure(source: string, external: string[] = []): Promise<Size> {
  const { build } = await import('esbuild');
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: 'js', sourcefile: 'program.js' },
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'error',
    external,
  });
  const js = result.outputFiles.filter((f) => !f.path.endsWith('.map'));
  const parts: Record<string, number> = {};
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? (input.startsWith('dist/') ? `nemovideo ${input}` : input);
      parts[pkg] = (parts[pkg] ?? 0) + bytesInOutput;
    }
  }
  const bytes = Buffer.concat(js.map((f) => f.contents));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, outputs: js.length, parts };
}

const sizes: Record<string, Size> = {};
for (const [name, source] of Object.entries(programs)) sizes[name] = await measure(source);

// For the record: nemovideo's own code, without its three dependencies.
const own = await measure(programs.nemovideo!, ['ky', 'zod', 'zod/*', 'eventsource-parser']);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
console.log('browser bundle of "create client, stream a chat, poll a job" (esbuild --minify, gzip -9)');
for (const [name, s] of Object.entries(sizes)) console.log(`  ${name.padEnd(44)} ${kb(s.gzip).padStart(9)} gz  ${kb(s.raw).padStart(9)} min`);

const ours = sizes.nemovideo!;
const lazyCounted = ours.outputs === 1 && (ours.parts.ky ?? 0) > 0 && (ours.parts.zod ?? 0) > 0;
console.log(`  nemovideo: ${ours.outputs} output file; ky ${kb(ours.parts.ky ?? 0)} and zod ${kb(ours.parts.zod ?? 0)} (minified) inlined from dynamic import(): ${lazyCounted ? 'counted' : 'NOT COUNTED'}`);
console.log(`  nemovideo without ky, zod and eventsource-parser (its own code): ${kb(own.gzip)} gz, ${kb(own.raw)} min`);
if (!lazyCounted) throw new Error('the dynamically imported chunks of nemovideo are not in the bundle: the figure would be wrong');

const targetKB: Record<string, number> = { nemovideo: 30, 'nemovideo (core + Chat + Render)': 24 };
const label = (variant: string) => (variant === 'nemovideo' ? 'NemoVideo' : 'core + Chat + Render');
const absolute = (variant: string): BenchRow => {
  const gz = sizes[variant]!.gzip / 1024;
  return { metric: `bundle min+gz, ${label(variant)}`, nemovideo: kb(sizes[variant]!.gzip), baseline: `${targetKB[variant]} KB (target)`, ratio: gz / targetKB[variant]!, target: `≤ ${targetKB[variant]} KB`, met: gz <= targetKB[variant]! };
};
const row = (variant: string, peer: string): BenchRow => {
  const ratio = sizes[variant]!.gzip / sizes[peer]!.gzip;
  return {
    metric: `bundle min+gz, ${label(variant)} vs ${peer.startsWith('floor') ? 'ky+esp+zod/mini floor' : peer}`,
    nemovideo: kb(sizes[variant]!.gzip),
    baseline: kb(sizes[peer]!.gzip),
    ratio,
    target: 'report',
    met: null,
  };
};
const peers = ['openai', '@fal-ai/client', '@google/genai', 'floor: ky + eventsource-parser + zod/mini', '@runwayml/sdk', 'replicate'];

report({
  bench: 'bundle-size',
  setup: 'esbuild --bundle --minify --platform=browser --format=esm (no splitting), gzip -9 (zlib); nemovideo from dist/ with its lazy ky and schema chunks inlined',
  rows: ['nemovideo', 'nemovideo (core + Chat + Render)'].flatMap((variant) => [absolute(variant), ...peers.map((peer) => row(variant, peer))]),
  details: {
    sizes: Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, { gzip: v.gzip, min: v.raw, outputs: v.outputs }])),
    nemovideoParts: ours.parts,
    nemovideoOwnCode: { gzip: own.gzip, min: own.raw },
  },
});
