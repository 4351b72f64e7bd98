/**
 * A token store on disk, shared with other NemoVideo clients: `client_id` as a plain file and the
 * token in `credentials.json` (mode 0600), both written atomically (temp file + rename).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { requireBaseURL } from '../core/args.js';
import { type StoredCredentials, type TokenStore } from '../core/token-store.js';

/** Options of {@link FileTokenStore}. */
export interface FileTokenStoreOptions {
  /** Folder of the files. Default `~/.config/nemovideo`. */
  dir?: string;
  /**
   * The API base the credentials belong to. For any base but the production API (a local
   * emulator, a staging server) the files go to `<dir>/hosts/<host>`, so that a token from one
   * service never replaces the token saved for another. Default: the production API.
   */
  baseURL?: string | undefined;
  /** Called when a file is unreadable or corrupt (the store then acts as empty). Default: a process warning. */
  onError?: (error: Error) => void;
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');
const productionHost = 'mega-api-prod.nemovideo.ai';

/**
 * Keeps credentials in `~/.config/nemovideo`. A missing, unreadable or corrupt file never throws:
 * it is reported through `onError` and treated as absent, so the client goes on with a new token.
 */
export class FileTokenStore implements TokenStore {
  /** The folder holding `client_id` and `credentials.json` (for a non-production `baseURL`, its `hosts/<host>` subfolder). */
  readonly dir: string;
  readonly #onError: (error: Error) => void;

  constructor(options: FileTokenStoreOptions = {}) {
    const dir = options.dir ?? join(homedir(), '.config', 'nemovideo');
    const host = options.baseURL === undefined ? productionHost : new URL(requireBaseURL(options.baseURL, 'baseURL')).host;
    this.dir = host === productionHost ? dir : join(dir, 'hosts', host.replace(/[^\w.-]/g, '_'));
    this.#onError = options.onError ?? ((error) => process.emitWarning(error.message, 'NemoVideoWarning'));
  }

  /** Reads `client_id` and `credentials.json`; `undefined` when there is no client id. */
  async get(): Promise<StoredCredentials | undefined> {
    const clientId = (await this.#read('client_id'))?.trim();
    const text = await this.#read('credentials.json');
    let saved: Partial<StoredCredentials> = {};
    if (text !== undefined) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        saved = pick(parsed as Record<string, unknown>);
      } catch (error) {
        this.#onError(new Error(`Ignoring corrupt ${join(this.dir, 'credentials.json')} (${(error as Error).message}); a new token will be acquired.`));
      }
    }
    const id = clientId || saved.clientId;
    return id ? { ...saved, clientId: id } : undefined;
  }

  /** Writes both files atomically; `credentials.json` with mode 0600. */
  async set(credentials: StoredCredentials): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.#write('client_id', `${credentials.clientId}\n`, 0o644);
    const { token, userId, expiresAt } = credentials;
    if (token !== undefined) await this.#write('credentials.json', `${JSON.stringify({ token, userId, expiresAt }, null, 2)}\n`, 0o600);
  }

  /** Removes the token (`credentials.json`); the client id stays, as other clients share it. */
  async clear(): Promise<void> {
    await rm(join(this.dir, 'credentials.json'), { force: true });
  }

  /** A log-safe view. */
  toJSON(): Record<string, unknown> {
    return { dir: this.dir };
  }

  /** Node's `util.inspect` shows the log-safe view. */
  [inspectSymbol](): string {
    return `FileTokenStore ${JSON.stringify(this.toJSON())}`;
  }

  async #read(name: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.dir, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.#onError(new Error(`Cannot read ${join(this.dir, name)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`));
      }
      return undefined;
    }
  }

  // Temp file in the same folder, fsync, then rename: a reader sees the old or the new file, never half.
  async #write(name: string, content: string, mode: number): Promise<void> {
    const target = join(this.dir, name);
    const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(temp, 'w', mode);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

function pick(o: Record<string, unknown>): Partial<StoredCredentials> {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    clientId: str(o.clientId ?? o.client_id),
    token: str(o.token),
    userId: str(o.userId ?? o.user_id),
    expiresAt: str(o.expiresAt ?? o.expires_at),
  };
}

