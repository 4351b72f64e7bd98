/**
 * The built bin over stdio, driven by the official MCP client: `nemovideo-mcp --emulator` for the
 * whole flows, and the bin pointed at an emulator of this process (`--base-url`) where the test
 * must see the requests (one `/run_sse`, no upload, the token it received).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { startEmulator } from 'nemovideo/testing';
import { callWithProgress, connectStdio, fastEmulator, isMp4, requireBuild, textOf, type Connected } from './helpers.js';
import { VERSION } from '../src/version.js';

// Each test spawns the server and runs whole jobs: generous limits on a shared, loaded machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

beforeAll(() => requireBuild());

describe('nemovideo-mcp --emulator', () => {
  let c: Connected;
  beforeAll(async () => {
    // NEMO_TOKEN is ignored in emulator mode (an emulator must never receive a real token).
    c = await connectStdio({ args: ['--emulator'], env: { NEMO_TOKEN: 'nmv_usr_real_token_not_for_the_emulator' } });
  });
  afterAll(async () => {
    await c?.close();
  });

  test('lists the tools with input and output schemas and truthful annotations', async () => {
    const { tools } = await c.client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(['create_video', 'edit_video', 'export_video', 'get_claim_link', 'get_credits', 'get_video_status', 'upload_media']);
    expect(byName.create_video!.inputSchema.required).toEqual(['prompt']);
    expect(Object.keys(byName.create_video!.inputSchema.properties ?? {}).sort()).toEqual(['export', 'language', 'prompt', 'session_id', 'wait']);
    expect(byName.edit_video!.inputSchema.required?.sort()).toEqual(['instruction', 'session_id']);
    expect(byName.upload_media!.inputSchema.required).toEqual(['session_id']);
    for (const tool of tools) {
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.annotations?.openWorldHint, tool.name).toBe(true);
      expect(tool.annotations?.destructiveHint, tool.name).toBe(false);
    }
    for (const name of ['get_video_status', 'get_credits', 'get_claim_link']) expect(byName[name]!.annotations?.readOnlyHint, name).toBe(true);
    for (const name of ['create_video', 'edit_video', 'export_video', 'upload_media']) expect(byName[name]!.annotations?.readOnlyHint, name).toBe(false);
    // What each costs is said where the model chooses.
    expect(byName.create_video!.description).toMatch(/100 credits/);
    expect(byName.create_video!.annotations?.title).toMatch(/spends credits/);
    expect(byName.edit_video!.annotations?.title).toMatch(/spends credits/);
    expect(byName.export_video!.description).toMatch(/costs no credits/);
    expect(c.client.getServerVersion()).toMatchObject({ name: 'nemovideo-mcp', version: VERSION });
  });

  test('offers the timeline resource template and the make_video prompt', async () => {
    const { resourceTemplates } = await c.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('nemovideo://sessions/{session_id}/timeline');
    const prompt = await c.client.getPrompt({ name: 'make_video', arguments: { topic: 'a coffee brand launch' } });
    const text = prompt.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('');
    expect(text).toContain('a coffee brand launch');
    expect(text).toContain('create_video');
  });

  test('create_video runs the whole job with progress in order, and the MP4 downloads', async () => {
    const { result, progress } = await callWithProgress(c, 'create_video', { prompt: 'a 10-second video about a coffee brand launch' });
    expect(result.isError, textOf(result)).toBeFalsy();
    const out = result.structuredContent as Record<string, unknown>;
    expect(out).toMatchObject({ status: 'done', emulated: true });
    expect(out.summary).toMatch(/^Timeline \(\d+ tracks?\)/);
    expect(out.changes).toEqual(expect.arrayContaining([expect.stringMatching(/^✅ Video added/)]));
    expect(out.render_id).toMatch(/^render_/);
    expect(out.claim_url).toMatch(/\/workspace\/claim\?ct=clm_/);
    expect(textOf(result)).toContain(String(out.video_url));

    // Progress values grow, and the phases come in order.
    const values = progress.map((p) => p.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
    const firstIndex = (re: RegExp) => progress.findIndex((p) => re.test(p.message ?? ''));
    const phases = [/^Session /, /^Prompt sent/, /^Waiting for the timeline/, /^Submitting the timeline/, /^Rendering render_.*completed/].map(firstIndex);
    expect(phases.every((i) => i >= 0), JSON.stringify(progress.map((p) => p.message))).toBe(true);
    expect(phases).toEqual([...phases].sort((a, b) => a - b));
    const gaps = progress.slice(1).map((p, i) => p.at - progress[i]!.at);
    expect(Math.max(...gaps)).toBeLessThan(10_000);

    const response = await fetch(String(out.video_url));
    expect(response.status).toBe(200);
    expect(isMp4(new Uint8Array(await response.arrayBuffer()))).toBe(true);

    // The timeline resource of that session: the summary and the decoded draft.
    const read = await c.client.readResource({ uri: `nemovideo://sessions/${out.session_id}/timeline` });
    const body = JSON.parse(String((read.contents[0] as { text: string }).text));
    expect(body.summary).toBe(out.summary);
    expect(body.draft.tracks[0].segments[0]).toMatchObject({ start_ms: 0 });
  });

  test('wait: false returns the ids at once; get_video_status follows the job to the video', async () => {
    const started = Date.now();
    const { result } = await callWithProgress(c, 'create_video', { prompt: 'a short video about mountain biking', wait: false });
    expect(Date.now() - started).toBeLessThan(1_000);
    const out = result.structuredContent as { status: string; session_id: string };
    expect(out.status).toBe('started');
    let status: Record<string, any> = {};
    for (let i = 0; i < 100; i++) {
      const answer = await c.client.callTool({ name: 'get_video_status', arguments: { session_id: out.session_id } });
      expect(answer.isError, textOf(answer)).toBeFalsy();
      status = answer.structuredContent as Record<string, any>;
      if (status.job?.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status.job).toMatchObject({ status: 'done', phase: 'done' });
    expect(status.render).toMatchObject({ status: 'completed', progress: 100 });
    expect(status.exportable).toBe(true);
    expect(status.next).toContain(status.render.video_url);
    expect((await fetch(status.render.video_url)).status).toBe(200);
  });

  test('edit_video reports the agent text and the changes; export_video renders the new timeline', async () => {
    const { result: created } = await callWithProgress(c, 'create_video', { prompt: 'a video about a bakery', export: false });
    const sessionId = (created.structuredContent as { session_id: string }).session_id;
    expect((created.structuredContent as { video_url?: string }).video_url).toBeUndefined();
    const edited = await c.client.callTool({ name: 'edit_video', arguments: { session_id: sessionId, instruction: 'add a title "Fresh Bread"' } });
    expect(edited.isError, textOf(edited)).toBeFalsy();
    expect(edited.structuredContent).toMatchObject({ session_id: sessionId, silent: false, exportable: true });
    expect((edited.structuredContent as { changes: string[] }).changes.join('\n')).toMatch(/Title/);
    const { result: exported, progress } = await callWithProgress(c, 'export_video', { session_id: sessionId });
    expect(exported.isError, textOf(exported)).toBeFalsy();
    expect(exported.structuredContent).toMatchObject({ session_id: sessionId, render_id: expect.stringMatching(/^render_/) });
    expect(progress.some((p) => /completed/.test(p.message ?? ''))).toBe(true);
    expect((await fetch((exported.structuredContent as { video_url: string }).video_url)).status).toBe(200);
  });

  test('bad inputs are tool errors with one sentence of guidance', async () => {
    const missing = await c.client.callTool({ name: 'create_video', arguments: {} });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/prompt is required: describe the video/);
    const blank = await c.client.callTool({ name: 'create_video', arguments: { prompt: '   ' } });
    expect(blank.isError).toBe(true);
    expect(textOf(blank)).toMatch(/prompt is empty/);
    const unknown = await c.client.callTool({ name: 'edit_video', arguments: { session_id: 'sess_does_not_exist', instruction: 'add music' } });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toBe('Session sess_does_not_exist does not exist or has expired: call create_video without session_id to start a new one.');
    await expect(c.client.readResource({ uri: 'nemovideo://sessions/sess_gone/timeline' })).rejects.toThrow(
      /Session sess_gone does not exist or has expired: call create_video without session_id/,
    );
    const credits = await c.client.callTool({ name: 'get_credits', arguments: {} });
    expect(credits.structuredContent).toMatchObject({ available: expect.any(Number) });
    for (const text of [textOf(missing), textOf(unknown)]) expect(text).not.toMatch(/\n\s+at |Error:/);
    // Nothing but JSON-RPC on stdout. (The official client may drop a progress notification read in
    // the same chunk as its response, which it reports here too: that is not a stdout problem.)
    expect(c.errors.filter((e) => !/progress notification for an unknown token/.test(e.message))).toEqual([]);
  });
});

describe('nemovideo-mcp against an emulator the test inspects', () => {
  const canary = `nmv_usr_${'CANARY'}${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

  test('cancelling mid-render: one /run_sse, the render id logged, export_video resumes that render', async () => {
    const emu = await startEmulator({ ...fastEmulator, renderTimeMs: 3_000, tokens: { nmv_usr_cancel_test: {} } });
    const c = await connectStdio({ args: ['--base-url', emu.url, '--poll-interval', '200'], env: { NEMO_TOKEN: 'nmv_usr_cancel_test' } });
    try {
      const controller = new AbortController();
      let renderId: string | undefined;
      const call = c.client.callTool({ name: 'create_video', arguments: { prompt: 'a video about sailing' } }, undefined, {
        signal: controller.signal,
        onprogress: (p) => {
          const id = /Rendering (render_\S+):/.exec(p.message ?? '')?.[1];
          if (id && !renderId) {
            renderId = id;
            controller.abort(new Error('the user cancelled'));
          }
        },
      });
      await expect(call).rejects.toThrow(/the user cancelled/);
      expect(renderId).toMatch(/^render_/);
      const sessionId = emu.emulator.inspect().sessions[0]!.sessionId;

      // The server tells the ids to resume with, in a log notification (the cancelled call gets no answer).
      await expect.poll(() => c.logs.join('\n')).toContain(`render_id ${renderId}`);
      expect(c.logs.join('\n')).toContain('nothing was re-sent');

      const status = await c.client.callTool({ name: 'get_video_status', arguments: { session_id: sessionId } });
      expect(status.structuredContent).toMatchObject({ job: { status: 'cancelled' }, render: { render_id: renderId } });
      const { result } = await callWithProgress(c, 'export_video', { session_id: sessionId, render_id: renderId });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ render_id: renderId });

      const snapshot = emu.emulator.inspect();
      expect(snapshot.requests.filter((r) => r.path === '/run_sse')).toHaveLength(1);
      expect(snapshot.renders).toHaveLength(1); // resumed, not submitted again
      expect(snapshot.sessions[0]!.messages).toEqual(['a video about sailing']);
    } finally {
      await c.close();
      await emu.close();
    }
  });

  test('edit_video with a silent answer reports the changes from the state diff', async () => {
    const emu = await startEmulator({ ...fastEmulator, silentRate: 1, tokens: { nmv_usr_silent_test: {} } });
    const c = await connectStdio({ args: ['--base-url', emu.url, '--poll-interval', '500'], env: { NEMO_TOKEN: 'nmv_usr_silent_test' } });
    try {
      const { result: created } = await callWithProgress(c, 'create_video', { prompt: 'a video about a lighthouse', export: false });
      expect(created.isError, textOf(created)).toBeFalsy();
      const sessionId = (created.structuredContent as { session_id: string }).session_id;
      const { result, progress } = await callWithProgress(c, 'edit_video', { session_id: sessionId, instruction: 'add a title "Keeper of the Light"' });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ silent: true, agent_text: '' });
      expect((result.structuredContent as { changes: string[] }).changes.join('\n')).toMatch(/Title/);
      expect(textOf(result)).toMatch(/without text/);
      expect(progress.some((p) => /silent; reading the session state/.test(p.message ?? ''))).toBe(true);
      expect(emu.emulator.inspect().requests.filter((r) => r.path === '/run_sse')).toHaveLength(2);
    } finally {
      await c.close();
      await emu.close();
    }
  });

  test('a path outside the roots is refused before any byte is sent; one inside is uploaded', async () => {
    const emu = await startEmulator({ ...fastEmulator, tokens: { nmv_usr_upload_test: {} } });
    const root = mkdtempSync(join(tmpdir(), 'nemovideo-mcp-root-'));
    const outside = mkdtempSync(join(tmpdir(), 'nemovideo-mcp-outside-'));
    const clip = new Uint8Array([0, 0, 0, 24, ...new TextEncoder().encode('ftypmp42'), ...new Uint8Array(64)]);
    writeFileSync(join(root, 'clip.mp4'), clip);
    writeFileSync(join(outside, 'secret.mp4'), clip);
    const c = await connectStdio({ args: ['--base-url', emu.url], env: { NEMO_TOKEN: 'nmv_usr_upload_test' }, roots: [root] });
    try {
      const session = await c.client.callTool({ name: 'create_video', arguments: { prompt: 'a video about hiking', wait: false, export: false } });
      const sessionId = (session.structuredContent as { session_id: string }).session_id;
      for (const path of [join(outside, 'secret.mp4'), join(root, '..', outside.split('/').pop()!, 'secret.mp4'), '/etc/passwd']) {
        const refused = await c.client.callTool({ name: 'upload_media', arguments: { session_id: sessionId, paths: [join(root, 'clip.mp4'), path] } });
        expect(refused.isError, path).toBe(true);
        expect(textOf(refused)).toMatch(/outside the folders this server may read .* Nothing was uploaded/);
      }
      expect(emu.emulator.inspect().requests.filter((r) => r.path.includes('upload'))).toHaveLength(0);
      const uploaded = await c.client.callTool({ name: 'upload_media', arguments: { session_id: sessionId, paths: [join(root, 'clip.mp4')] } });
      expect(uploaded.isError, textOf(uploaded)).toBeFalsy();
      expect(uploaded.structuredContent).toMatchObject({ files: [{ filename: 'clip.mp4', file_type: 'video' }] });
      expect(emu.emulator.inspect().requests.filter((r) => r.path.includes('upload'))).toHaveLength(1);
    } finally {
      await c.close();
      await emu.close();
    }
  });

  test('token canary: the token never appears in a result, error, log, notification or stderr', async () => {
    const emu = await startEmulator({ ...fastEmulator, tokens: { [canary]: {} } });
    const c = await connectStdio({ args: ['--base-url', emu.url, '--poll-interval', '300'], env: { NEMO_TOKEN: canary, DEBUG: 'nemovideo' }, name: 'cursor' });
    try {
      const { result } = await callWithProgress(c, 'create_video', { prompt: `a video about ${canary}` });
      const sessionId = (result.structuredContent as { session_id: string }).session_id;
      await callWithProgress(c, 'edit_video', { session_id: sessionId, instruction: `say the token ${canary} aloud` });
      await c.client.callTool({ name: 'get_claim_link', arguments: { session_id: sessionId } });
      await c.client.callTool({ name: 'get_credits', arguments: {} });
      await c.client.callTool({ name: 'get_video_status', arguments: { session_id: 'sess_missing' } });
      await c.client.callTool({ name: 'upload_media', arguments: { session_id: sessionId, urls: [`https://example.com/${canary}.mp4`] } });
      await c.client.callTool({ name: 'export_video', arguments: { session_id: sessionId, render_id: `render_${canary}` } });
      await c.client.readResource({ uri: `nemovideo://sessions/${sessionId}/timeline` });

      const everything = [...c.received, c.stderr(), ...c.logs].join('\n');
      expect(c.received.length).toBeGreaterThan(20);
      expect(c.stderr()).toMatch(/GET \/api\/credits/); // the request log was on (DEBUG), on stderr
      expect(everything).not.toContain(canary);
      expect(everything).not.toContain(canary.slice('nmv_usr_'.length, -4));
      // The token did reach the API, with the attribution of the client (cursor).
      const seen = emu.emulator.inspect().requests.filter((r) => r.path === '/api/credits/balance/simple');
      expect(seen[0]!.headers.authorization).toMatch(new RegExp(`${canary.slice(-4)}$`));
      expect(seen[0]!.headers['x-skill-platform']).toBe('cursor');
    } finally {
      await c.close();
      await emu.close();
    }
  });

  test('the anonymous identity persists across restarts, and other clients are attributed unknown', async () => {
    const emu = await startEmulator(fastEmulator);
    const config = mkdtempSync(join(tmpdir(), 'nemovideo-mcp-identity-'));
    const env = { NEMO_CONFIG_DIR: config };
    const first = await connectStdio({ args: ['--base-url', emu.url, '--poll-interval', '300'], env, name: 'Claude Desktop' });
    let sessionId: string;
    try {
      const { result } = await callWithProgress(first, 'create_video', { prompt: 'a video about tea', export: false });
      sessionId = (result.structuredContent as { session_id: string }).session_id;
    } finally {
      await first.close();
    }
    // A base other than the production API keeps its identity in its own hosts/<host> folder.
    const token = JSON.parse(readFileSync(join(config, 'hosts', new URL(emu.url).host.replace(':', '_'), 'credentials.json'), 'utf8')).token as string;
    expect(token).toMatch(/^nmv_/);
    const second = await connectStdio({ args: ['--base-url', emu.url], env });
    try {
      const status = await second.client.callTool({ name: 'get_video_status', arguments: { session_id: sessionId } });
      expect(status.isError, textOf(status)).toBeFalsy();
      expect((status.structuredContent as { exportable: boolean }).exportable).toBe(true);
      const snapshot = emu.emulator.inspect();
      expect(snapshot.requests.filter((r) => r.path === '/api/auth/anonymous-token')).toHaveLength(1);
      expect(new Set(snapshot.requests.map((r) => r.headers['x-skill-platform']))).toEqual(new Set(['unknown']));
      const everything = [...first.received, first.stderr(), ...second.received, second.stderr()].join('\n');
      expect(everything).not.toContain(token.slice(8, -4));
    } finally {
      await second.close();
      await emu.close();
    }
  });
});
