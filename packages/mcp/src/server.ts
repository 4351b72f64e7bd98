/**
 * One MCP server (one per MCP session): the tools, the timeline resource template and the
 * "make a video" prompt, over a shared {@link Backend}.
 * @module
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { isExportable, summarizeTimeline, trackKind, type Draft } from 'nemovideo';
import * as z from 'zod';
import { Backend, type BackendOptions } from './backend.js';
import { createContext } from './context.js';
import { guidance } from './errors.js';
import { redactDeep } from './redact.js';
import { registerAccountTools } from './tools/account.js';
import { registerVideoTools } from './tools/video.js';
import { VERSION } from './version.js';

/** Options of {@link createServer}. */
export interface CreateServerOptions {
  /** The shared backend; or options to build one. Default: a backend on the real API with the stored identity. */
  backend?: Backend | BackendOptions | undefined;
  /** Whether `upload_media` may read local paths: true over stdio, false over HTTP. Default true. */
  localPaths?: boolean | undefined;
}

const instructions =
  'NemoVideo makes videos with an AI agent. create_video does the whole job (about 100 credits a clip; export is free) and returns the video URL, a claim link and a session id: ' +
  'keep the session id, use edit_video to change that video and export_video for the new MP4. Never repeat a call that failed or was cancelled: resume with the ids it gave (get_video_status, export_video). ' +
  'Show the user the video URL and the claim link.';

/**
 * Builds an MCP server with the NemoVideo tools, ready to `connect()` to a transport.
 *
 * @example
 * ```ts
 * import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
 * import { createServer } from 'nemovideo-mcp';
 *
 * await createServer().connect(new StdioServerTransport());
 * ```
 */
export function createServer(options: CreateServerOptions = {}): McpServer {
  const backend = options.backend instanceof Backend ? options.backend : new Backend(options.backend);
  const mcp = new McpServer({ name: 'nemovideo-mcp', title: 'NemoVideo', version: VERSION }, { capabilities: { logging: {} }, instructions });
  const ctx = createContext(backend, mcp, options.localPaths ?? true);
  registerVideoTools(ctx);
  registerAccountTools(ctx);

  mcp.registerResource(
    'timeline',
    new ResourceTemplate('nemovideo://sessions/{session_id}/timeline', {
      list: async () => ({
        resources: backend.sessions().map((id) => ({ uri: `nemovideo://sessions/${id}/timeline`, name: `Timeline of ${id}`, mimeType: 'application/json' })),
      }),
    }),
    {
      title: 'Session timeline',
      description: "A session's timeline: its one-line-per-track summary and the decoded draft (tracks, segments, times in ms).",
      mimeType: 'application/json',
    },
    async (uri, variables, extra) => {
      const sessionId = decodeURIComponent(String(variables.session_id ?? ''));
      const nemo = ctx.nemo();
      try {
        const state = await nemo.state.latest(sessionId, { signal: extra.signal });
        const body = {
          session_id: sessionId,
          task_id: state.taskId,
          summary: summarizeTimeline(state.draft),
          exportable: isExportable(state.draft),
          draft: state.draft ? decoded(state.draft) : null,
        };
        return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(redactDeep(body), null, 2) }] };
      } catch (error) {
        // Resource reads have no `isError`: the guidance becomes the JSON-RPC error message.
        throw new Error(guidance(error, { sessionId, webURL: nemo.webURL }));
      }
    },
  );

  mcp.registerPrompt(
    'make_video',
    {
      title: 'Make a video about …',
      description: 'Asks the assistant to make a video about a topic with create_video and share the result.',
      argsSchema: {
        topic: z.string().describe('What the video is about, e.g. "a coffee brand launch".'),
        length: z.string().optional().describe('How long, e.g. "30 seconds".'),
      },
    },
    ({ topic, length }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Make a ${length ? `${length} ` : ''}video about ${topic}. Use the NemoVideo create_video tool once (it costs about 100 credits a clip), ` +
              'then show me the video URL, the claim link and a short summary of the timeline. If it fails, follow the guidance in the error instead of calling create_video again.',
          },
        },
      ],
    }),
  );
  return mcp;
}

// The decoded draft without the wire objects it keeps by identity.
function decoded(draft: Draft) {
  return {
    duration_ms: draft.durationMs,
    tracks: draft.tracks.map((track) => ({
      index: track.index,
      kind: trackKind(track, draft),
      type: track.type,
      segments: track.segments.map((s) => ({
        start_ms: s.startMs,
        duration_ms: s.durationMs,
        end_ms: s.endMs,
        ...(s.label === undefined ? {} : { label: s.label }),
        ...(s.volume === undefined ? {} : { volume: s.volume }),
      })),
    })),
  };
}
