/**
 * Fault-injection soak: mixed operations through the public API (credits, state, sessions, chat
 * with and without iterating, recovery, render create/wait/download, export, uploads, generate)
 * against in-process emulators answering random 5xx, 429, expired tokens, cut and stalled streams
 * and failed renders, with some operations aborted mid-way; and on their own backends `/run_sse`
 * reset or answered 5xx after the service took the message, a 429 with `Retry-After: 604800`,
 * token renewals held open while tokens expire mid-run, and hostile bare error frames. Prints
 * what it counted and exits 1 when a target is missed: 0 duplicate sends, ≤ 1 render submission
 * per create (≤ 2 per export), 0 untyped errors, 0 unhandled rejections, 0 lost results (an
 * operation slower than 30 s is lost: a week-long Retry-After must fail at once), and 0 handles
 * left open once every emulator is closed.
 *
 * Run: `npm run soak` or `npx tsx bench/soak.bench.ts [ops=10000] [seed=1] [concurrency=64] [--loopback]`.
 * The CI version (a few hundred operations) is test/reliability/soak.test.ts.
 */
import { formatReport, runSoak, targetsMet } from '../test/reliability/soak-engine.js';

const ops = Number(process.argv[2] ?? 10_000);
const seed = Number(process.argv[3] ?? 1);
const concurrency = Number(process.argv[4] ?? 64);
// `--loopback`: the emulators listen on 127.0.0.1 and the clients use the real fetch (real sockets).
const loopback = process.argv.includes('--loopback');

let last = 0;
const report = await runSoak({
  ops,
  seed,
  concurrency,
  // Far above any operation's own bounds (p99 is well under 10 s on a loaded machine), far below
  // a honoured week-long Retry-After or the 60 s maxRetryAfterMs.
  opBoundMs: 30_000,
  loopback,
  onProgress: (done, total) => {
    const now = Date.now();
    if (process.stderr.isTTY && (now - last > 500 || done === total)) {
      last = now;
      process.stderr.write(`\r${done}/${total} operations`);
    }
  },
});
if (process.stderr.isTTY) process.stderr.write('\n');
console.log(`seed ${seed}, concurrency ${concurrency}, ${loopback ? 'emulators on 127.0.0.1 (real sockets)' : 'in-process emulators'}`);
console.log(formatReport(report));
const met = targetsMet(report);
console.log(met ? 'all targets met' : 'TARGETS MISSED');
process.exitCode = met ? 0 : 1;
