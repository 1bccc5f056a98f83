/**
 * Backends that are optional peers of `attnkit`: each is loaded the first time selection probes it, and
 * one that is not installed is reported as unavailable with the command that installs it.
 */
import { BackendError, type BackendPlugin } from '@attnkit/core';

/** An optional backend package: its plugin's name, the package, how to install it and how to load it. */
export interface OptionalBackend {
  /** The plugin's name (`onnx`, `tfjs`, `webgpu`). */
  readonly name: string;
  /** The package that holds it, e.g. `@attnkit/backend-onnx`. */
  readonly package: string;
  /** The command that installs it with what it needs, e.g. `npm i @attnkit/backend-onnx onnxruntime-node`. */
  readonly install: string;
  /** Imports the package and returns its plugin. */
  readonly load: () => Promise<BackendPlugin>;
}

/** TensorFlow.js: the same package and plugin in Node and in browsers. */
export const tfjsBackend: OptionalBackend = {
  name: 'tfjs',
  package: '@attnkit/backend-tfjs',
  install: 'npm i @attnkit/backend-tfjs',
  load: async () => (await import('@attnkit/backend-tfjs')).plugin as BackendPlugin,
};

/** Whether `e` says that `pkg` itself (not something it imports) is not installed. */
function isMissing(e: unknown, pkg: string): boolean {
  const code = (e as { code?: unknown })?.code;
  const message = String((e as Error)?.message ?? e);
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /failed to fetch|resolve/i.test(message)) &&
    message.includes(pkg)
  );
}

/** Why an optional backend cannot be used, with the install command. */
export function unavailableReason(backend: OptionalBackend, error: unknown): string {
  if (isMissing(error, backend.package)) return `not installed (optional); install it with: ${backend.install}`;
  return `${backend.package} could not be loaded (${(error as Error)?.message ?? String(error)}); reinstall it with: ${backend.install}`;
}

/**
 * A plugin standing for an optional backend: probing it loads the package (once) and defers to its
 * plugin; when the package is missing the probe says so, with the install command.
 */
export function optionalPlugin(backend: OptionalBackend): BackendPlugin {
  let loading: Promise<BackendPlugin> | undefined;
  const load = (): Promise<BackendPlugin> => (loading ??= backend.load());
  return {
    name: backend.name,
    async probe() {
      let plugin;
      try {
        plugin = await load();
      } catch (e) {
        return { available: false, reason: unavailableReason(backend, e) };
      }
      return plugin.probe();
    },
    async create(options) {
      let plugin;
      try {
        plugin = await load();
      } catch (e) {
        throw new BackendError(backend.name, unavailableReason(backend, e), e);
      }
      return plugin.create(options);
    },
  };
}
