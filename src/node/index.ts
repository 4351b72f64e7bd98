/**
 * `nemovideo/node`: what needs Node's file system.
 * @module
 */
export { FileTokenStore, type FileTokenStoreOptions } from './file-token-store.js';
export {
  fileFromPath,
  downloadToFile,
  type FileFromPathOptions,
  type DownloadProgress,
  type DownloadToFileOptions,
  type DownloadToFileResult,
} from './files.js';
