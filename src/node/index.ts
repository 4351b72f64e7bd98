/**
 * `nemovideo/node`: what needs Node's file system.
 * @module
 */
export { FileTokenStore, type FileTokenStoreOptions } from './file-token-store.js';
