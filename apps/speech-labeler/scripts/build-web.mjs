// Bundles the page (src/web/main.ts) with esbuild into web-dist/, beside index.html and the model.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(app, 'web-dist');
// Workspace packages are bundled from their sources, so the page never waits for (or uses a stale) build.
const workspace = (name, dir) => [name, join(app, '../../packages', dir, 'src/index.ts')];
const alias = Object.fromEntries([
  workspace('@attnkit/core', 'core'),
  workspace('@attnkit/backend-ts', 'backend-ts'),
  workspace('@attnkit/backend-webgpu', 'backend-webgpu'),
  workspace('@attnkit/backend-tfjs', 'backend-tfjs'),
]);
mkdirSync(join(out, 'model'), { recursive: true });
await build({
  entryPoints: [join(app, 'src/web/main.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: join(out, 'app.js'),
  sourcemap: true,
  minify: true,
  // wavefile's "module" entry is its untranspiled source; its "main" build is what Node runs too.
  mainFields: ['browser', 'main'],
  logLevel: 'warning',
  alias,
});
copyFileSync(join(app, 'src/web/index.html'), join(out, 'index.html'));
// TensorFlow.js's WebAssembly binaries, found where backend-tfjs resolves them.
const tfjsWasm = dirname(
  createRequire(join(app, '../../packages/backend-tfjs/package.json')).resolve('@tensorflow/tfjs-backend-wasm'),
);
mkdirSync(join(out, 'tfjs'), { recursive: true });
for (const f of readdirSync(tfjsWasm).filter((f) => f.endsWith('.wasm')))
  copyFileSync(join(tfjsWasm, f), join(out, 'tfjs', f));
const model = JSON.parse(readFileSync(join(app, 'model/model.json'), 'utf8'));
copyFileSync(join(app, 'model/model.json'), join(out, 'model/model.json'));
copyFileSync(join(app, 'model', model.weights), join(out, 'model', model.weights));
