// Chromium: bundled with esbuild from the universal entry; index.html?api=<url>&client=<id>.
import * as sdk from 'nemovideo';
import { flow } from './flow.mjs';

const params = new URLSearchParams(location.search);
globalThis.runtimeResult = flow(sdk, params.get('api'), params.get('client')).then(
  (result) => ({ ok: true, result }),
  (error) => ({ ok: false, error: String(error?.stack ?? error) }),
);
