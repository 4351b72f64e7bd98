import { describe, expect, test } from 'vitest';
import { formatReport, opKinds, runSoak } from './soak-engine.js';

// The CI slice of bench/soak.bench.ts: a few hundred seeded operations under every fault at once.
describe('soak under injected faults', () => {
  test('500 mixed operations: no duplicate send, ≤ 1 render per create, only typed errors, nothing unhandled or lost', async () => {
    const report = await runSoak({ ops: 500, seed: 7, concurrency: 32, opBoundMs: 10_000, rateLimitRate: 0.05 });
    console.log(formatReport(report));

    expect(report.duplicateSends).toEqual([]);
    expect(report.excessSubmissions).toEqual([]);
    expect(report.maxSubmissionsPerRender).toBeLessThanOrEqual(1);
    expect(report.maxSubmissionsPerExport).toBeLessThanOrEqual(2);
    expect(report.duplicateRenderIds).toBe(0);
    expect(report.untyped).toEqual([]);
    expect(report.abortMismatches).toEqual([]);
    expect(report.sentBeforeChecks).toEqual([]);
    expect(report.unhandled).toEqual([]);
    expect(report.lost).toEqual([]);
    expect(report.leftOpen).toMatchObject({ timers: [], resources: {}, openExchanges: [], busySockets: 0, idleSockets: 0 });
    expect(report.handlesLeftOpen).toBe(0);

    // The faults really fired, and every kind of operation got through some of the time.
    expect(report.wire.serverErrors).toBeGreaterThan(0);
    expect(report.wire.rateLimited).toBeGreaterThan(0);
    expect(report.wire.expired).toBeGreaterThan(0);
    expect(report.runSseRefused).toBeGreaterThan(0);
    expect(report.faultsSeen.cutStreams).toBeGreaterThan(0);
    expect(report.faultsSeen.stalledStreams).toBeGreaterThan(0);
    expect(report.faultsSeen.failedRenders).toBeGreaterThan(0);
    expect(report.faultsSeen.aborted).toBeGreaterThan(0);
    const n = report.newFaults;
    expect(n.runSseResets, '/run_sse resets').toBeGreaterThan(0);
    expect(n.runSse5xx, '/run_sse 5xx').toBeGreaterThan(0);
    expect(n.hugeRetryAfter.answers, 'Retry-After 604800 answers').toBeGreaterThan(0);
    expect(n.hugeRetryAfter.rejected, 'RateLimitError after Retry-After 604800').toBeGreaterThan(0);
    expect(n.renewals.expired, 'tokens expired mid-run').toBeGreaterThan(0);
    expect(n.renewals.refused, '1001 while a renewal was held').toBeGreaterThan(0);
    expect(n.renewals.held, 'held renewals').toBeGreaterThan(0);
    expect(n.hostileFrames.rejected, 'AgentError on hostile frames').toBeGreaterThan(0);
    for (const kind of opKinds.filter((k) => k !== 'uploadRejected')) expect(report.outcomes[kind]?.ok, kind).toBeGreaterThan(0);
    expect(Object.keys(report.outcomes.uploadRejected?.failed ?? {})).toEqual(['UnsupportedFileTypeError']);
  }, 30_000);

  test('200 operations over real sockets (emulators on 127.0.0.1): the same targets hold', async () => {
    const report = await runSoak({ ops: 200, seed: 8, concurrency: 16, opBoundMs: 10_000, loopback: true });
    expect(report.duplicateSends).toEqual([]);
    expect(report.excessSubmissions).toEqual([]);
    expect(report.untyped).toEqual([]);
    expect(report.abortMismatches).toEqual([]);
    expect(report.unhandled).toEqual([]);
    expect(report.lost).toEqual([]);
    // Every emulator closed: no server socket, timer or other handle left.
    expect(report.leftOpen).toMatchObject({ timers: [], resources: {}, openExchanges: [], busySockets: 0, idleSockets: 0 });
    expect(report.handlesLeftOpen).toBe(0);
    expect(report.faultsSeen.cutStreams + report.faultsSeen.stalledStreams).toBeGreaterThan(0);
    expect(report.newFaults.runSseResets + report.newFaults.runSse5xx).toBeGreaterThan(0);
    expect(report.wire.serverErrors).toBeGreaterThan(0);
  }, 30_000);

  // Every kind of operation meets 429 with Retry-After: 604800 (uploads half the time): each
  // must reject with RateLimitError at once, never sit out the week (uploads.create, which sends
  // a refused upload once more itself, used to sleep the whole Retry-After first).
  test('a week-long Retry-After on every kind of operation: nothing lost, nothing left open', async () => {
    const report = await runSoak({ ops: 150, seed: 9, concurrency: 16, opBoundMs: 10_000, variants: ['weekRetry'] });
    expect(report.lost).toEqual([]);
    expect(report.handlesLeftOpen).toBe(0);
    expect(report.untyped).toEqual([]);
    expect(report.newFaults.hugeRetryAfter.rejected).toBeGreaterThan(0);
    expect(report.outcomes.upload?.failed.RateLimitError, 'uploads refused').toBeGreaterThan(0);
  }, 30_000);

  const noFaults = { abortRate: 0, serverErrorRate: 0, rateLimitRate: 0, expireTokenRate: 0, failRenderRate: 0 };

  // The counters themselves: a wire that sends twice must be caught, or a clean run proves nothing.
  test('counts a /run_sse sent twice as a duplicate, on the wire and in the emulator', async () => {
    const report = await runSoak({ ops: 20, seed: 3, concurrency: 8, kinds: ['chat'], ...noFaults, sabotage: 'resendChat' });
    expect(report.duplicateSends.some((f) => /received for 1 send/.test(f.detail))).toBe(true);
    expect(report.duplicateSends.some((f) => /emulator session .* received 2 messages for 1 send/.test(f.detail))).toBe(true);
  });

  test('counts a timer left pending after the run as a handle left open', async () => {
    const report = await runSoak({ ops: 10, seed: 3, concurrency: 4, kinds: ['credits'], ...noFaults, sabotage: 'leakTimer' });
    expect(report.leftOpen.timers).toHaveLength(1);
    expect(report.handlesLeftOpen).toBe(1);
    expect(formatReport(report)).toMatch(/handles left open {6}1 /);
  });

  test('counts a render submitted twice by one create as an excess submission', async () => {
    const report = await runSoak({ ops: 20, seed: 3, concurrency: 8, kinds: ['render'], ...noFaults, sabotage: 'doubleRender' });
    expect(report.maxSubmissionsPerRender).toBe(2);
    expect(report.excessSubmissions.some((f) => f.kind === 'render' && /\d render submissions \(allowed 1\)/.test(f.detail))).toBe(true);
  });
});
