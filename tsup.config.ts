import { defineConfig, type Options } from 'tsup';

// `testing/msw` is the only entry that imports msw (an optional peer): nothing else may import it,
// so that `nemovideo/testing` loads, and its declarations type-check, without msw installed.
const entries = { index: 'src/index.ts', node: 'src/node/index.ts', testing: 'src/testing/index.ts', 'testing/msw': 'src/testing/msw.ts' };

const library: Options = {
  target: 'es2022',
  platform: 'neutral',
  sourcemap: true,
  splitting: true,
  treeshake: true,
  // Keep `node:` specifiers: Deno and bundlers need them to tell built-ins from packages.
  removeNodeProtocol: false,
  external: [/^node:/, /^msw(\/|$)/],
};

export default defineConfig([
  {
    ...library,
    // The client and the decoders are entries of their own (internal: not in `exports`) so that
    // each lands in its own chunk and `index.js` only re-exports. In one flattened file a bundler
    // keeps every `class … extends` it sees, so `import { decodeDraft }` would pull in the whole
    // client, ky and zod (35 KB instead of 2 KB: .size-limit.json).
    entry: { ...entries, 'internal/client': 'src/client.ts', 'internal/decoders': 'src/decoders/index.ts' },
    format: ['esm'],
    dts: { entry: entries },
  },
  { ...library, entry: entries, format: ['cjs'], dts: true },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node22',
    banner: { js: '#!/usr/bin/env node' },
    sourcemap: true,
    removeNodeProtocol: false,
  },
]);
