export {
  isInside,
  isLoopbackHost,
  requestPath,
  serveLocal,
  type LocalServer,
  type LocalServerOptions,
} from './local-server.js';
export { rawGet } from './raw-get.js';
