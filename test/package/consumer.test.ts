/**
 * The published package as a consumer gets it: `npm pack`, unpacked into a throw-away project
 * whose node_modules holds only the tarball's declared dependencies (linked from this repo's, so
 * no network), then type-checked under every `moduleResolution` and run with `import`,
 * `require` and dynamic `import()`.
 */
import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const execFile = promisify(execFileCb);
const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
let project = '';
let tarball = '';

/** Links a package of this repo's node_modules into the consumer project. */
function link(name: string): void {
  const target = join(project, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(root, 'node_modules', name), target, 'dir');
}

// One consumer file, valid under every resolution mode. It must compile against the published
// declarations only: `@ts-expect-error` lines prove the types are real, not `any`.
const consumerSource = (withTesting: boolean) => `
import { NemoVideo, NemoVideoCore, Chat, RateLimitError, isNemoVideoError, decodeDraft, summarizeTimeline, MemoryTokenStore } from 'nemovideo';
import type { ChatEvent, RenderJob, SessionState, Draft } from 'nemovideo';
import { FileTokenStore, fileFromPath, downloadToFile } from 'nemovideo/node';
${withTesting ? `import { createEmulator, startEmulator } from 'nemovideo/testing';
import type { Emulator } from 'nemovideo/testing';
const emu: Emulator = createEmulator({ seed: 1 });
export const start = startEmulator;` : 'const emu = { fetch: globalThis.fetch };'}
const nemo = new NemoVideo({ token: 'nmv_usr_consumer', fetch: emu.fetch, tokenStore: new MemoryTokenStore() });

export async function flow(): Promise<string> {
  const { sessionId } = await nemo.sessions.create({ language: 'en' });
  for await (const event of nemo.chat.send(sessionId, 'hello')) {
    const e: ChatEvent = event;
    if (e.type === 'text') {
      const text: string = e.text;
      // @ts-expect-error: a text event has no tool name
      void e.name, text;
    }
  }
  const state: SessionState = await nemo.state.latest(sessionId);
  const job: Promise<RenderJob> = nemo.render.export(sessionId, { intervalMs: 10 });
  void job;
  return summarizeTimeline(state.draft);
}

export function retryAfter(error: unknown): number | undefined {
  if (error instanceof RateLimitError) return error.retryAfterMs;
  return isNemoVideoError(error) ? error.status : undefined;
}

export const draft: Draft = decodeDraft({ tracks: [] });
export const nodeHelpers = [FileTokenStore, fileFromPath, downloadToFile] as const;
// @ts-expect-error: options are typed
new NemoVideo({ timeout: 'soon' });
export const coreChat = (): Promise<string> => new Chat(new NemoVideoCore({ token: 'nmv_usr_consumer' })).send('s', 'hi').finalResult().then((r) => r.text);
// @ts-expect-error: a resource is built on a client
export const notAClient = () => new Chat({ token: 'nmv_usr_consumer' });
`;

// Each mode as a consumer would configure it; `files` picks the module kinds that mode knows.
// msw 3 (behind `nemovideo/testing`) is ESM-only and its own types need node16 or later: a
// CommonJS file may use it under nodenext (which models Node's require(esm)), not under node16
// (TS1479), and node10 cannot resolve msw's types at all; there the consumer leaves it out.
const modes = {
  node10: { compilerOptions: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' }, files: ['consumer-core.ts'] },
  node16: { compilerOptions: { module: 'node16', moduleResolution: 'node16' }, files: ['consumer.mts', 'consumer-core.cts'] },
  nodenext: { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, files: ['consumer.mts', 'consumer.cts'] },
  bundler: { compilerOptions: { module: 'esnext', moduleResolution: 'bundler' }, files: ['consumer.ts'] },
} as const;

// Runs the same checks from ESM (`import`), CJS (`require`) and CJS with dynamic `import()`.
const runtimeCheck = (load: string) => `
${load}
const emu = testing.createEmulator({ seed: 2, tokens: ['nmv_usr_consumer'], faults: { errors: [{ path: '/api/credits/balance/simple', status: 403 }] } });
const nemo = new sdk.NemoVideo({ token: 'nmv_usr_consumer', fetch: emu.fetch, maxRetries: 0 });
const { sessionId } = await nemo.sessions.create({ language: 'en' });
const denied = await nemo.credits.balance().catch((e) => e);
console.log(JSON.stringify({
  sessionId: typeof sessionId,
  denied: [denied.name, denied instanceof sdk.PermissionDeniedError, denied instanceof sdk.NemoVideoError],
  summary: sdk.summarizeTimeline(sdk.decodeDraft({ t: [{ tt: 0, sg: [{ st: 0, d: 2000, m: { name: 'intro' } }] }] })),
  node: typeof node.fileFromPath,
}));
`;

// An error made by each build is an instance of the other build's classes (dual-package hazard).
const crossBuild = `
const esm = await import('nemovideo');
const cjs = require('nemovideo');
const testing = require('nemovideo/testing');
const emu = testing.createEmulator({ seed: 3, tokens: ['nmv_usr_consumer'], faults: { errors: [{ path: '/api/credits/balance/simple', status: 403 }] } });
const thrownByCjs = await new cjs.NemoVideo({ token: 'nmv_usr_consumer', fetch: emu.fetch, maxRetries: 0 }).credits.balance().catch((e) => e);
const thrownByEsm = await new esm.NemoVideo({ token: 'nmv_usr_consumer', fetch: emu.fetch, maxRetries: 0 }).credits.balance().catch((e) => e);
console.log(JSON.stringify({
  distinct: esm.NemoVideo !== cjs.NemoVideo,
  cjsErrorIsEsm: [thrownByCjs instanceof esm.PermissionDeniedError, thrownByCjs instanceof esm.APIError, thrownByCjs instanceof esm.NemoVideoError],
  esmErrorIsCjs: [thrownByEsm instanceof cjs.PermissionDeniedError, thrownByEsm instanceof cjs.APIError, thrownByEsm instanceof cjs.NemoVideoError],
  notOther: thrownByCjs instanceof esm.RateLimitError || thrownByEsm instanceof cjs.AuthenticationError,
  made: [new cjs.RateLimitError('slow', 5) instanceof esm.RateLimitError, new esm.DraftDecodeError('bad') instanceof cjs.NemoVideoError],
  guard: [esm.isNemoVideoError(thrownByCjs), cjs.isNemoVideoError(thrownByEsm), esm.isNemoVideoError(new Error('plain'))],
}));
`;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'nemovideo-consumer-'));
  // `npm test` builds first; pack exactly what `npm publish` would upload.
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], { cwd: root, encoding: 'utf8' })) as [{ filename: string }];
  tarball = join(project, packed.filename);
  mkdirSync(join(project, 'node_modules/nemovideo'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', join(project, 'node_modules/nemovideo'), '--strip-components=1']);
  const manifest = JSON.parse(readFileSync(join(project, 'node_modules/nemovideo/package.json'), 'utf8')) as { dependencies: Record<string, string> };
  // Only what the tarball declares (a dependency missing from package.json fails here), plus
  // what a consumer of `nemovideo/testing` and of Node types installs.
  for (const name of [...Object.keys(manifest.dependencies), 'msw', '@types/node']) link(name);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const file of ['consumer.ts', 'consumer.mts', 'consumer.cts']) writeFileSync(join(project, file), consumerSource(true));
  for (const file of ['consumer-core.ts', 'consumer-core.cts']) writeFileSync(join(project, file), consumerSource(false));
  for (const [mode, { compilerOptions, files }] of Object.entries(modes)) {
    const options = { ...compilerOptions, target: 'es2022', lib: ['es2023', 'dom'], types: ['node'], strict: true, noEmit: true, skipLibCheck: false, esModuleInterop: true };
    writeFileSync(join(project, `tsconfig.${mode}.json`), JSON.stringify({ compilerOptions: options, files }));
  }
  writeFileSync(join(project, 'esm.mjs'), runtimeCheck(`import * as sdk from 'nemovideo'; import * as node from 'nemovideo/node'; import * as testing from 'nemovideo/testing';`));
  writeFileSync(join(project, 'cjs.cjs'), `(async () => {${runtimeCheck(`const sdk = require('nemovideo'); const node = require('nemovideo/node'); const testing = require('nemovideo/testing');`)}})();`);
  writeFileSync(join(project, 'dynamic.cjs'), `(async () => {${runtimeCheck(`const sdk = await import('nemovideo'); const node = await import('nemovideo/node'); const testing = await import('nemovideo/testing');`)}})();`);
  writeFileSync(join(project, 'cross.cjs'), `(async () => {${crossBuild}})();`);
}, 60_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

async function run(file: string): Promise<unknown> {
  const { stdout } = await execFile(process.execPath, [file], { cwd: project, encoding: 'utf8' });
  return JSON.parse(stdout);
}

describe('the packed package in a consumer project', () => {
  test('holds the build, the license and no sources or tests', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/LICENSE', 'package/README.md', 'package/dist/index.js', 'package/dist/index.cjs', 'package/dist/cli.js']));
    expect(files.filter((f) => /^package\/(src|test|bench|examples|docs|scripts)\//.test(f))).toEqual([]);
  });

  test.each(Object.keys(modes))('type-checks under moduleResolution %s', async (mode) => {
    const result = await execFile(process.execPath, [tsc, '-p', `tsconfig.${mode}.json`], { cwd: project, encoding: 'utf8' }).catch((e: { stdout: string }) => e);
    expect(result.stdout).toBe('');
  });

  const expected = {
    sessionId: 'string',
    denied: ['PermissionDeniedError', true, true],
    summary: 'Timeline (1 track): 1. Video: intro (0-2s)',
    node: 'function',
  };

  test.each([
    ['import', 'esm.mjs'],
    ['require', 'cjs.cjs'],
    ['dynamic import() from CommonJS', 'dynamic.cjs'],
  ])('runs with %s', async (_how, file) => {
    expect(await run(file)).toEqual(expected);
  });

  test('errors pass instanceof across the ESM and CJS builds, both ways', async () => {
    expect(await run('cross.cjs')).toEqual({
      distinct: true,
      cjsErrorIsEsm: [true, true, true],
      esmErrorIsCjs: [true, true, true],
      notOther: false,
      made: [true, true],
      guard: [true, true, false],
    });
  });

  test('the bin runs from the installed package', async () => {
    const { stdout } = await execFile(process.execPath, [join(project, 'node_modules/nemovideo/dist/cli.js'), '--version'], { cwd: project, encoding: 'utf8' });
    expect(stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });
});
