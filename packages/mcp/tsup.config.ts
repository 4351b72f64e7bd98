import { defineConfig } from 'tsup';

// ESM only: MCP clients start the bin, and `@modelcontextprotocol/sdk` is ESM-first. Dependencies
// stay external (`nemovideo`, the MCP SDK, zod).
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node22',
    sourcemap: true,
    dts: true,
    removeNodeProtocol: false,
  },
  {
    entry: { bin: 'src/bin.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node22',
    sourcemap: true,
    banner: { js: '#!/usr/bin/env node' },
    removeNodeProtocol: false,
  },
]);
