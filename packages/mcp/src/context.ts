/**
 * What the tools of one MCP session run with: the shared backend, this session's MCP server (for
 * the client's name, roots and logging) and the transport's rules.
 * @module
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { NemoVideo } from 'nemovideo';
import { platformFor, type Backend } from './backend.js';
import { redactSecrets } from './redact.js';

/** The context of the tools of one MCP session. */
export interface ToolContext {
  backend: Backend;
  mcp: McpServer;
  /** Whether `upload_media` may read local paths (stdio only: over HTTP the files are not the client's). */
  localPaths: boolean;
  /** The client for this MCP client's attribution platform. */
  nemo(): NemoVideo;
  /** Logs to the backend's sink and, when connected, as an MCP logging notification. */
  log(level: 'debug' | 'info' | 'warning' | 'error', message: string): void;
}

/** Builds the context of one MCP session. */
export function createContext(backend: Backend, mcp: McpServer, localPaths: boolean): ToolContext {
  return {
    backend,
    mcp,
    localPaths,
    nemo: () => backend.client(platformFor(mcp.server.getClientVersion()?.name)),
    log(level, message) {
      const text = redactSecrets(message);
      backend.log(level, text);
      if (mcp.isConnected()) {
        mcp.server.sendLoggingMessage({ level, logger: 'nemovideo-mcp', data: text }).catch(() => {});
      }
    },
  };
}
