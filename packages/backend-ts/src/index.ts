/**
 * @attnkit/backend-ts: attention and transformer encoders in pure TypeScript.
 *
 * @packageDocumentation
 */
export { plugin, createTsBackend, tsCapabilities } from './ts-backend.js';
export type { TsBackendOptions } from './ts-backend.js';
