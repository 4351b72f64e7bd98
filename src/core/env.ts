/**
 * Environment access that never throws in browsers or workers: everything goes through
 * `globalThis.process?.env`, and nothing is read at import time.
 * @module
 */

/** Reads an environment variable, or `undefined` where there is no `process` (browsers, workers). */
export function readEnv(name: string): string | undefined {
  try {
    return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name]?.trim() || undefined;
  } catch {
    return undefined; // Deno without --allow-env throws on any env read: treat it as unset.
  }
}

/**
 * The integration platform for `X-Skill-Platform` (docs/protocol.md › Headers): env `SKILL_SOURCE`
 * wins; else `.clawhub/` in the install path means `clawhub`, `.cursor/skills/` means `cursor`;
 * else `unknown`.
 */
export function detectPlatform(installPath: string | undefined = moduleLocation()): string {
  // `/` or `\\` around the folder names; a missing path tests as "undefined" and matches neither.
  return (
    readEnv('SKILL_SOURCE') ??
    (/[\\/]\.clawhub[\\/]/.test(installPath!) ? 'clawhub' : /[\\/]\.cursor[\\/]skills[\\/]/.test(installPath!) ? 'cursor' : 'unknown')
  );
}

// The install path is known only where the runtime tells it: `import.meta.url` in the ESM build,
// `__filename` in the CJS build; browsers bundle the SDK, so neither applies there.
function moduleLocation(): string | undefined {
  try {
    return typeof __filename === 'string' ? __filename : (import.meta as { url?: string }).url;
  } catch {
    return undefined;
  }
}

declare const __filename: string | undefined;
