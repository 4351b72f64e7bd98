/**
 * Which local files `upload_media` may read: those under the MCP client's roots or a directory
 * given with `--allow-dir`, after resolving symlinks, checked before any byte is sent.
 * @module
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ToolInputError } from './errors.js';

/** The client's `file://` roots as directories, when the client supports roots; `[]` otherwise. */
export async function clientRoots(mcp: McpServer, signal?: AbortSignal): Promise<string[]> {
  if (!mcp.server.getClientCapabilities()?.roots) return [];
  const { roots } = await mcp.server.listRoots(undefined, { signal });
  return roots.filter((r) => r.uri.startsWith('file://')).map((r) => fileURLToPath(r.uri));
}

async function real(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Resolves each path (relative ones against the first allowed directory) to its real location
 * and checks it lies inside an allowed directory.
 *
 * @throws {ToolInputError} a path that is missing or outside every allowed directory.
 */
export async function checkPaths(paths: readonly string[], allowed: readonly string[]): Promise<string[]> {
  const dirs = (await Promise.all(allowed.map(real))).filter((d): d is string => d !== undefined);
  if (dirs.length === 0) {
    throw new ToolInputError(
      'Local files can be uploaded only from the folders the MCP client shares (its roots) or those given to the server with --allow-dir, and there are none: pass public URLs in `urls` instead, or start the server with --allow-dir <folder>.',
    );
  }
  const out: string[] = [];
  for (const path of paths) {
    const absolute = isAbsolute(path) ? path : resolve(dirs[0]!, path);
    const target = await real(absolute);
    if (target === undefined) throw new ToolInputError(`${path} does not exist or cannot be read.`);
    if (!dirs.some((dir) => isInside(dir, target))) {
      throw new ToolInputError(`${path} is outside the folders this server may read (${dirs.join(', ')}): move it there, or pass a public URL in \`urls\` instead. Nothing was uploaded.`);
    }
    out.push(target);
  }
  return out;
}
