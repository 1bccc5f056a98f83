import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// A browser bundle of an app that imports `attnkit` must contain nothing Node-only. Needs the build.
describe('browser bundle', () => {
  it('resolves the browser entry and pulls in no Node-only module', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../test/browser-app.js', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile!.inputs);
    expect(inputs.some((p) => p.includes('attnkit/dist/browser.js'))).toBe(true);
    expect(inputs.some((p) => p.includes('attnkit/dist/node.js'))).toBe(false);
    const nodeOnly = inputs.filter((p) => /onnxruntime-node|backend-onnx|node_modules\/webgpu\/|pool-node|\/node\.js$/.test(p));
    expect(nodeOnly).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*["']node:|require\(["'](fs|path|os|worker_threads|node:[a-z_]+)["']\)/);
  }, 60_000);
});
