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
let bare = ''; // a second consumer project, without msw
let tarball = '';

/** Links a package of this repo's node_modules into a consumer project. */
function link(name: string, into = project): void {
  const target = join(into, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(root, 'node_modules', name), target, 'dir');
}

// One consumer file, valid under every resolution mode. It must compile against the published
// declarations only: `@ts-expect-error` lines prove the types are real, not `any`. It uses
// `nemovideo/testing` but not msw: it type-checks in a project without msw.
const consumerSource = `
import { NemoVideo, NemoVideoCore, Chat, RateLimitError, isNemoVideoError, decodeDraft, summarizeTimeline, MemoryTokenStore } from 'nemovideo';
import type { ChatEvent, RenderJob, SessionState, Draft } from 'nemovideo';
import { FileTokenStore, fileFromPath, downloadToFile } from 'nemovideo/node';
import { createEmulator, startEmulator } from 'nemovideo/testing';
import type { Emulator, RunningEmulator } from 'nemovideo/testing';
const emu: Emulator = createEmulator({ seed: 1 });
export const start: () => Promise<RunningEmulator> = () => startEmulator({ renderTimeMs: 0 });
// @ts-expect-error: emulator options are typed
createEmulator({ renderTimeMs: 'fast' });
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

// The msw subpath, for a consumer that has msw: its handlers are msw's own type.
const mswSource = `
import type { HttpHandler } from 'msw';
import { createEmulator } from 'nemovideo/testing';
import { mswHandlers } from 'nemovideo/testing/msw';
export const handlers: HttpHandler[] = mswHandlers(createEmulator({ seed: 1 }));
// @ts-expect-error: it takes an emulator
mswHandlers({});
`;

// Each mode as a consumer would configure it; \`files\` picks the module kinds that mode knows.
// msw 3 (behind \`nemovideo/testing/msw\`) is ESM-only and its own types need node16 or later: a
// CommonJS file may use it under nodenext (which models Node's require(esm)), not under node16
// (TS1479), and node10 cannot resolve msw's types at all; there the consumer leaves it out.
const modes = {
  node10: { compilerOptions: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' }, files: ['consumer.ts'], msw: [] },
  node16: { compilerOptions: { module: 'node16', moduleResolution: 'node16' }, files: ['consumer.mts', 'consumer.cts'], msw: ['msw.mts'] },
  nodenext: { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, files: ['consumer.mts', 'consumer.cts'], msw: ['msw.mts', 'msw.cts'] },
  bundler: { compilerOptions: { module: 'esnext', moduleResolution: 'bundler' }, files: ['consumer.ts'], msw: ['msw.ts'] },
} as const;

// Without msw: \`nemovideo/testing\` loads, makes an in-process emulator and starts one over HTTP;
// \`nemovideo/testing/msw\` is the only subpath that fails, naming msw.
const withoutMsw = (load: string, loadMsw: string) => `
${load}
const emu = testing.createEmulator({ seed: 4, renderTimeMs: 0 });
const inProcess = new sdk.NemoVideo({ fetch: emu.fetch, tokenStore: new sdk.MemoryTokenStore() });
const a = await inProcess.sessions.create();
const running = await testing.startEmulator({ seed: 4, renderTimeMs: 0 });
const overHttp = new sdk.NemoVideo({ baseURL: running.url, tokenStore: new sdk.MemoryTokenStore() });
const b = await overHttp.sessions.create();
await running.close();
const msw = await ${loadMsw}.then(() => 'loaded', (e) => [e.code, /'msw'/.test(e.message)]);
console.log(JSON.stringify({
  inProcess: typeof a.sessionId,
  overHttp: [typeof b.sessionId, running.emulator.inspect().requests.length, running.url.startsWith('http://127.0.0.1:')],
  msw,
}));
`;

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
  bare = mkdtempSync(join(tmpdir(), 'nemovideo-consumer-without-msw-'));
  for (const dir of [project, bare]) {
    mkdirSync(join(dir, 'node_modules/nemovideo'), { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', join(dir, 'node_modules/nemovideo'), '--strip-components=1']);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    for (const file of ['consumer.ts', 'consumer.mts', 'consumer.cts']) writeFileSync(join(dir, file), consumerSource);
    for (const [mode, { compilerOptions, files, msw }] of Object.entries(modes)) {
      const options = { ...compilerOptions, target: 'es2022', lib: ['es2023', 'dom'], types: ['node'], strict: true, noEmit: true, skipLibCheck: false, esModuleInterop: true };
      writeFileSync(join(dir, `tsconfig.${mode}.json`), JSON.stringify({ compilerOptions: options, files: dir === project ? [...files, ...msw] : files }));
    }
  }
  for (const file of ['msw.ts', 'msw.mts', 'msw.cts']) writeFileSync(join(project, file), mswSource);
  const manifest = JSON.parse(readFileSync(join(project, 'node_modules/nemovideo/package.json'), 'utf8')) as { dependencies: Record<string, string> };
  // Only what the tarball declares (a dependency missing from package.json fails here), plus
  // Node's types, and msw in the first project only (what a user of \`nemovideo/testing/msw\` installs).
  for (const name of [...Object.keys(manifest.dependencies), '@types/node']) {
    link(name);
    link(name, bare);
  }
  link('msw');
  writeFileSync(join(project, 'esm.mjs'), runtimeCheck(`import * as sdk from 'nemovideo'; import * as node from 'nemovideo/node'; import * as testing from 'nemovideo/testing';`));
  writeFileSync(join(project, 'cjs.cjs'), `(async () => {${runtimeCheck(`const sdk = require('nemovideo'); const node = require('nemovideo/node'); const testing = require('nemovideo/testing');`)}})();`);
  writeFileSync(join(project, 'dynamic.cjs'), `(async () => {${runtimeCheck(`const sdk = await import('nemovideo'); const node = await import('nemovideo/node'); const testing = await import('nemovideo/testing');`)}})();`);
  writeFileSync(join(project, 'cross.cjs'), `(async () => {${crossBuild}})();`);
  writeFileSync(join(bare, 'esm.mjs'), withoutMsw(`import * as sdk from 'nemovideo'; import * as testing from 'nemovideo/testing';`, `import('nemovideo/testing/msw')`));
  writeFileSync(join(bare, 'cjs.cjs'), `(async () => {${withoutMsw(`const sdk = require('nemovideo'); const testing = require('nemovideo/testing');`, `Promise.resolve().then(() => require('nemovideo/testing/msw'))`)}})();`);
}, 60_000);

afterAll(() => {
  for (const dir of [project, bare]) if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(file: string, cwd = project): Promise<unknown> {
  const { stdout } = await execFile(process.execPath, [file], { cwd, encoding: 'utf8' });
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
  }, 60_000);

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

  test('the msw handlers come from nemovideo/testing/msw and answer through msw', async () => {
    const script = `import { setupServer } from 'msw/node';
import { createEmulator } from 'nemovideo/testing';
import { mswHandlers } from 'nemovideo/testing/msw';
const emu = createEmulator({ seed: 5 });
const server = setupServer(...mswHandlers(emu));
server.listen({ onUnhandledRequest: 'error' });
const res = await fetch('https://api.example/api/credits/balance/simple');
server.close();
console.log(JSON.stringify({ code: (await res.json()).code, seen: emu.inspect().requests.length }));`;
    writeFileSync(join(project, 'msw-run.mjs'), script);
    expect(await run('msw-run.mjs')).toEqual({ code: 1001, seen: 1 });
  });

  test('the bin runs from the installed package', async () => {
    const { stdout } = await execFile(process.execPath, [join(project, 'node_modules/nemovideo/dist/cli.js'), '--version'], { cwd: project, encoding: 'utf8' });
    expect(stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });
});

describe('the packed package in a consumer project without msw', () => {
  test('has no msw to resolve', () => {
    expect(() => execFileSync(process.execPath, ['-e', "require.resolve('msw')"], { cwd: bare, stdio: 'pipe' })).toThrow(/Cannot find module 'msw'/);
  });

  test.each(Object.keys(modes))('type-checks nemovideo/testing under moduleResolution %s', async (mode) => {
    const result = await execFile(process.execPath, [tsc, '-p', `tsconfig.${mode}.json`], { cwd: bare, encoding: 'utf8' }).catch((e: { stdout: string }) => e);
    expect(result.stdout).toBe('');
  }, 60_000);

  test.each([
    ['import', 'esm.mjs', 'ERR_MODULE_NOT_FOUND'],
    ['require', 'cjs.cjs', 'MODULE_NOT_FOUND'],
  ])('runs createEmulator and startEmulator with %s; only nemovideo/testing/msw asks for msw', async (_how, file, code) => {
    expect(await run(file, bare)).toEqual({ inProcess: 'string', overHttp: ['string', 2, true], msw: [code, true] });
  });
});
