/**
 * Builds the dashboard into `dist/dashboard/`: the page, its stylesheet, one esbuild bundle (Chart.js and
 * every module included; nothing is fetched from elsewhere), TensorFlow.js's `.wasm` files and onnxruntime-web's
 * WebAssembly runtimes.
 *
 * The browser backends are bundled when their packages are built; one that is not is left out with its
 * reason, which the page shows (see the `attnkit:browser-backends` module below).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { loadEncoderSpec } from './encoder-spec-file.js';

const appDir = fileURLToPath(new URL('../', import.meta.url));
const BACKENDS = {
  ts: '@attnkit/backend-ts',
  webgpu: '@attnkit/backend-webgpu',
  tfjs: '@attnkit/backend-tfjs',
} as const;

/** The virtual module listing the browser backends that could be bundled. */
function browserBackends(): esbuild.Plugin {
  return {
    name: 'attnkit-browser-backends',
    setup(build) {
      build.onResolve({ filter: /^attnkit:browser-backends$/ }, () => ({
        path: 'browser-backends',
        namespace: 'attnkit',
      }));
      build.onLoad({ filter: /.*/, namespace: 'attnkit' }, async () => {
        const loaders: string[] = [];
        const missing: Record<string, string> = {};
        for (const [id, pkg] of Object.entries(BACKENDS)) {
          const r = await build.resolve(pkg, { kind: 'dynamic-import', resolveDir: appDir });
          if (r.errors.length === 0 && existsSync(r.path))
            loaders.push(`  ${id}: () => import(${JSON.stringify(pkg)}),`);
          else missing[id] = `${pkg} was not built when this page was built (build it, then the dashboard)`;
        }
        return {
          contents: `export const backends = {\n${loaders.join('\n')}\n};\nexport const missing = ${JSON.stringify(missing)};\n`,
          resolveDir: appDir,
          loader: 'js',
        };
      });
    },
  };
}

/** The virtual module with the encoder spec the command line benchmarks, so the page runs the same model. */
function encoderSpecModule(): esbuild.Plugin {
  return {
    name: 'attnkit-encoder-spec',
    setup(build) {
      build.onResolve({ filter: /^attnkit:encoder-spec$/ }, () => ({
        path: 'encoder-spec',
        namespace: 'attnkit-spec',
      }));
      build.onLoad({ filter: /.*/, namespace: 'attnkit-spec' }, () => {
        const { spec, source } = loadEncoderSpec();
        return {
          contents: `export const spec = ${JSON.stringify(spec)};\nexport const source = ${JSON.stringify(source)};\n`,
          loader: 'js',
        };
      });
    },
  };
}

/** Builds the page into `outDir` (default `dist/dashboard`); returns the esbuild warnings. */
export async function buildDashboard(outDir = join(appDir, 'dist', 'dashboard')): Promise<string[]> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'wasm'), { recursive: true });
  const src = join(appDir, 'src', 'dashboard');
  const result = await esbuild.build({
    entryPoints: { app: join(src, 'main.ts') },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'silent',
    plugins: [browserBackends(), encoderSpecModule()],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  copyFileSync(join(src, 'index.html'), join(outDir, 'index.html'));
  copyFileSync(join(src, 'style.css'), join(outDir, 'style.css'));
  const require = createRequire(join(appDir, 'package.json'));
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')))
    copyFileSync(join(wasmDir, f), join(outDir, 'wasm', f));
  // onnxruntime-web's WebAssembly runtimes (plain, and the builds its WebGPU provider loads), served from ort/.
  const ortDir = dirname(require.resolve('onnxruntime-web'));
  mkdirSync(join(outDir, 'ort'), { recursive: true });
  for (const f of readdirSync(ortDir).filter((f) => /^ort-wasm-simd-threaded(\.jsep|\.asyncify)?\.(wasm|mjs)$/.test(f)))
    copyFileSync(join(ortDir, f), join(outDir, 'ort', f));
  return result.warnings.map((w) => w.text);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const warnings = await buildDashboard();
  for (const w of warnings) console.warn(`dashboard build: ${w}`);
}
