/**
 * Anonymous tokens and claim links (docs/protocol.md › Anonymous token, Claim token).
 * @module
 */
import { requireId } from '../core/args.js';
import { requestAnonymousToken, type AnonymousToken } from '../core/client.js';
import type { RequestOptions } from '../core/types.js';
import { loadSchemas, toNumber, validate } from '../core/validate.js';
import { Resource } from './resource.js';

/** A claim token: lets a browser open the project without exposing the bearer token. */
export interface ClaimToken {
  claimToken: string;
  /** Seconds until it expires. */
  expiresIn: number | undefined;
  raw: unknown;
}

/** Which project a claim link opens. */
export interface ClaimParams {
  taskId: string;
  sessionId: string;
}

/** Tokens: anonymous tokens for new users, claim tokens for browser links. */
export class Auth extends Resource {
  /** Gets a new anonymous token for a client id (default: the client's). Sends `X-Client-Id`; no bearer token. */
  async anonymousToken(params: { clientId?: string } = {}, options?: RequestOptions): Promise<AnonymousToken> {
    const clientId = params.clientId === undefined ? await this.transport.options.tokens.clientId() : requireId(params.clientId, 'clientId');
    return requestAnonymousToken(this.transport, clientId, options);
  }

  /** Gets a claim token for a project, for links a browser can open. */
  async claimToken(params: ClaimParams, options?: RequestOptions): Promise<ClaimToken> {
    const taskId = requireId(params?.taskId, 'taskId');
    const sessionId = requireId(params?.sessionId, 'sessionId');
    const path = '/api/auth/claim-token';
    const raw = await this.transport.request(path, { ...options, json: { task_id: taskId, session_id: sessionId }, idempotent: true, sessionId });
    const data = validate((await loadSchemas()).claimTokenSchema, raw, `POST ${path}`, sessionId);
    return { claimToken: data.claim_token, expiresIn: toNumber(data.expires_in), raw };
  }

  /** Builds the browser link `<webURL>/workspace/claim?ct=<claim token>` (never the bearer token). */
  async claimUrl(params: ClaimParams, options?: RequestOptions): Promise<string> {
    const { claimToken } = await this.claimToken(params, options);
    return `${this.transport.options.webURL}/workspace/claim?ct=${encodeURIComponent(claimToken)}`;
  }
}
