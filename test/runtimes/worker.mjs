// workerd (through miniflare): bundled with esbuild from the universal entry. GET /?api=<url>&client=<id>.
import * as sdk from 'nemovideo';
import { flow } from './flow.mjs';

export default {
  async fetch(request) {
    const params = new URL(request.url).searchParams;
    try {
      return Response.json({ ok: true, result: await flow(sdk, params.get('api'), params.get('client')) });
    } catch (error) {
      return Response.json({ ok: false, error: String(error?.stack ?? error) }, { status: 500 });
    }
  },
};
