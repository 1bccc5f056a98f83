/**
 * For the tests: the TypeScript plugin with fixed create options, under its own name in the report.
 */
import type { BackendPlugin } from '@attnkit/core';
import { plugin, type TsBackendOptions } from './index.js';

/** The plugin with `options`, named `name`. */
export function variant(name: string, options: TsBackendOptions): BackendPlugin {
  return {
    name,
    capabilities: plugin.capabilities!,
    probe: () => plugin.probe(),
    create: () => plugin.create(options),
  };
}
