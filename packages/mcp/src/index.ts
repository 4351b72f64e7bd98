/**
 * `nemovideo-mcp`: an MCP server for NemoVideo on top of the `nemovideo` SDK. Most users only
 * run the bin (`npx -y nemovideo-mcp`); this entry builds the same server inside an app or a test.
 * @module
 */
export { createServer, type CreateServerOptions } from './server.js';
export { Backend, configDir, platformFor, type BackendOptions, type Job, type Timing } from './backend.js';
export { serveHttp, type ServeHttpOptions, type RunningHttpServer } from './http.js';
export { VERSION } from './version.js';
