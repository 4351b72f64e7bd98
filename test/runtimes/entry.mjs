// Node, Bun and Deno: `import` the installed package, run the flow, print one JSON line.
import * as sdk from 'nemovideo';
import { flow } from './flow.mjs';

const [baseURL, clientId] = globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2);
console.log(JSON.stringify(await flow(sdk, baseURL, clientId)));
