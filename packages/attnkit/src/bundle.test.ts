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
    const nodeOnly = inputs.filter((p) =>
      /onnxruntime-node|backend-onnx|node_modules\/webgpu\/|pool-node|\/node\.js$/.test(p),
    );
    expect(nodeOnly).toEqual([]);
    // Node built-ins that browser-aware packages reference are replaced by empty stubs ("(disabled)"),
    // never bundled or imported at run time.
    const builtins = inputs.filter((p) =>
      /^(node:)?(fs|path|os|worker_threads|perf_hooks|crypto|util|child_process|url)$/.test(p),
    );
    expect(builtins).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/(from|import\()\s*["']node:/);
  }, 60_000);
});
