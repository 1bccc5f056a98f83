/**
 * The packages as users get them: pack every published package, install `attnkit` alone (with the two
 * packages it depends on) with plain npm into a fresh project outside the workspace, check its size and
 * run the README examples it can run; then add every optional backend and run a Node script, the other
 * README examples and a bundled browser page (headless Chromium) as a user would. Every README example is
 * type-checked too. Needs the build, npm, and Chromium.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, transform } from 'esbuild';
import { serveLocal } from '@attnkit/local-web';
import { launchChromium } from '@attnkit/local-web/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examples, type Example } from './readme-examples.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const here = fileURLToPath(new URL('./consumer/', import.meta.url));
const PUBLISHED = ['core', 'conformance', 'backend-ts', 'backend-onnx', 'backend-tfjs', 'backend-webgpu', 'attnkit'];
/** What `npm i attnkit` brings: attnkit and its two dependencies. */
const ALONE = ['attnkit', 'core', 'backend-ts'];
/** `npm i attnkit` must stay small: the heavy engines are optional peers. */
const MAX_ALONE_BYTES = 60 * 2 ** 20;

/** The READMEs' program blocks: those that need only `attnkit`, and those that need an optional backend. */
const readme = (path: string, prefix: string): Example[] => examples(repo, path, prefix);
const ALONE_EXAMPLES = [
  ...readme('README.md', 'root'),
  ...readme('packages/attnkit/README.md', 'attnkit'),
  ...readme('packages/core/README.md', 'core'),
  ...readme('packages/backend-ts/README.md', 'backend-ts'),
];
const FULL_EXAMPLES = [
  ...readme('packages/backend-onnx/README.md', 'backend-onnx'),
  ...readme('packages/backend-tfjs/README.md', 'backend-tfjs'),
  ...readme('packages/backend-webgpu/README.md', 'backend-webgpu'),
  ...readme('packages/conformance/README.md', 'conformance'),
];

let dir = '';
let app = '';
let tarballs = '';

const tarball = (p: string): string => {
  const prefix = p === 'attnkit' ? 'attnkit-' : `attnkit-${p}-`;
  const f = readdirSync(tarballs).find((n) => n.startsWith(prefix) && /^\d/.test(n.slice(prefix.length)));
  if (!f) throw new Error(`no tarball for ${p} in ${readdirSync(tarballs).join(', ')}`);
  return join(tarballs, f);
};

async function npmInstall(args: string[]): Promise<void> {
  // onnxruntime-node's install script downloads optional GPU libraries; its documented switch skips them.
  await run('npm', ['install', '--no-audit', '--no-fund', ...args], {
    cwd: app,
    timeout: 600_000,
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
}

/** Bytes under `path` (files' apparent sizes; links counted once, not followed). */
function bytesUnder(path: string): number {
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of readdirSync(path)) total += bytesUnder(join(path, name));
  return total;
}

/** Writes an example into the project (TypeScript transpiled to `.mjs`) and runs it with node or vitest. */
async function runExample(e: Example): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.ATTNKIT_BACKEND;
  delete env.FORCE_COLOR;
  if (e.test) {
    writeFileSync(join(app, e.file), e.code);
    const { stdout, stderr } = await run(join(app, 'node_modules', '.bin', 'vitest'), ['run', e.file], {
      cwd: app,
      env,
      timeout: 240_000,
      maxBuffer: 64 << 20,
    });
    return stdout + stderr;
  }
  const js = e.lang === 'ts' ? (await transform(e.code, { loader: 'ts', format: 'esm' })).code : e.code;
  const file = join(app, e.file.replace(/\.[tj]s$/, '.mjs'));
  writeFileSync(file, js);
  const { stdout, stderr } = await run(process.execPath, [file], { cwd: app, env, timeout: 240_000 });
  return stdout + stderr;
}

/** Runs the workspace's TypeScript compiler on a project in the consumer. */
async function tsc(project: string): Promise<{ code: number; out: string }> {
  return run(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', project], { cwd: app, timeout: 120_000 }).then(
    () => ({ code: 0, out: '' }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
}

async function nodeApp(): Promise<{
  chosen: string;
  report: { name: string; status: string; reason: string }[];
  first: number[];
}> {
  const { stdout } = await run(process.execPath, ['node-app.mjs'], { cwd: app, timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('published packages in a fresh project', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attnkit-consumer-'));
    tarballs = join(dir, 'tarballs');
    mkdirSync(tarballs);
    for (const p of PUBLISHED)
      await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(repo, 'packages', p) });
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    for (const f of ['node-app.mjs', 'browser-app.js']) copyFileSync(join(here, f), join(app, f));
    await npmInstall(ALONE.map(tarball));
  }, 900_000);
  // Removing a fresh project's node_modules takes seconds on a busy machine.
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  describe('attnkit alone', () => {
    it(`installs under ${MAX_ALONE_BYTES / 2 ** 20} MB, without any optional backend`, () => {
      const installed = readdirSync(join(app, 'node_modules', '@attnkit')).sort();
      expect(installed).toEqual(['backend-ts', 'core']);
      for (const heavy of ['onnxruntime-node', 'webgpu', '@tensorflow'])
        expect(existsSync(join(app, 'node_modules', heavy)), heavy).toBe(false);
      expect(bytesUnder(join(app, 'node_modules'))).toBeLessThan(MAX_ALONE_BYTES);
    });

    it('selects ts, computes attention, and doctor names every missing backend with its install command', async () => {
      const r = await nodeApp();
      expect(r.chosen).toBe('ts');
      for (const x of r.first) expect(x).toBeCloseTo(2.5, 5);
      const bin = join(app, 'node_modules', 'attnkit', 'bin', 'attnkit.js');
      const { stdout, stderr } = await run(process.execPath, [bin, 'doctor', '--json'], { cwd: app, timeout: 120_000 });
      // Native probes print nothing unless asked to (`--verbose`).
      expect(stderr).toBe('');
      const plugins = (JSON.parse(stdout) as { plugins: { name: string; status: string; reason: string }[] }).plugins;
      const reason = (name: string): string | undefined => plugins.find((e) => e.name === name)?.reason;
      expect(reason('onnx')).toBe(
        'not installed (optional); install it with: npm i @attnkit/backend-onnx onnxruntime-node',
      );
      expect(reason('webgpu')).toBe('not installed (optional); install it with: npm i @attnkit/backend-webgpu webgpu');
      expect(reason('tfjs')).toBe('not installed (optional); install it with: npm i @attnkit/backend-tfjs');
      expect(plugins.find((e) => e.name === 'ts')?.status).toBe('chosen');
    }, 120_000);

    it.each(ALONE_EXAMPLES.map((e) => [e.where, e] as const))(
      'runs the example at %s',
      async (_, e) => {
        await runExample(e);
      },
      240_000,
    );
  });

  describe('with every backend', () => {
    beforeAll(async () => {
      await npmInstall([
        ...PUBLISHED.filter((p) => !ALONE.includes(p)).map(tarball),
        'webgpu@0.6.2',
        'vitest@4.1.12',
        '@types/node@^20.19.0',
      ]);
    }, 900_000);

    it('Node: selects onnx, and computes attention', async () => {
      const r = await nodeApp();
      expect(r.chosen).toBe('onnx');
      expect(r.report.find((e) => e.name === 'onnx')?.status).toBe('chosen');
      // mean of value rows 0..5 = 2.5 in every column
      for (const x of r.first) expect(x).toBeCloseTo(2.5, 5);
    }, 120_000);

    it('doctor probes every installed backend without a word on stderr (Dawn included)', async () => {
      const bin = join(app, 'node_modules', 'attnkit', 'bin', 'attnkit.js');
      const { stdout, stderr } = await run(process.execPath, [bin, 'doctor', '--json'], { cwd: app, timeout: 120_000 });
      expect(stderr).toBe('');
      const plugins = (JSON.parse(stdout) as { plugins: { name: string; reason: string }[] }).plugins;
      expect(plugins.map((p) => p.name)).toEqual(['onnx', 'webgpu', 'ts', 'tfjs']);
      for (const p of plugins) expect(p.reason).not.toMatch(/not installed/);
    }, 120_000);

    it('Node: without onnxruntime-node, falls through to the next backend and says why', async () => {
      const ort = join(app, 'node_modules', 'onnxruntime-node');
      const moved = join(dir, 'onnxruntime-node-moved');
      cpSync(ort, moved, { recursive: true });
      rmSync(ort, { recursive: true, force: true });
      try {
        const r = await nodeApp();
        expect(r.chosen).not.toBe('onnx');
        const onnx = r.report.find((e) => e.name === 'onnx')!;
        expect(onnx.status).toBe('unavailable');
        expect(onnx.reason).toMatch(/onnxruntime-node/);
        for (const x of r.first) expect(x).toBeCloseTo(2.5, 5);
      } finally {
        cpSync(moved, ort, { recursive: true });
      }
    }, 120_000);

    it.each(FULL_EXAMPLES.map((e) => [e.where, e] as const))(
      'runs the example at %s',
      async (_, e) => {
        const out = await runExample(e);
        if (e.test) expect(out).toMatch(/Tests\s+\d+ passed/);
      },
      240_000,
    );

    it('every README example type-checks (strict)', async () => {
      const all = [...ALONE_EXAMPLES, ...FULL_EXAMPLES].filter((e) => e.lang === 'ts');
      const src = join(app, 'typecheck');
      mkdirSync(src, { recursive: true });
      for (const e of all) writeFileSync(join(src, e.file), e.code);
      // createOptions and force are typed per backend (each package's entry of core's BackendOptionsByName).
      writeFileSync(
        join(src, 'typed-options.ts'),
        [
          "import { select } from 'attnkit';",
          "import '@attnkit/backend-onnx';",
          "await select({ force: 'ts', createOptions: { ts: { threads: 2 }, onnx: { threads: 1 } } });",
          '// @ts-expect-error: ts takes threads as a number',
          "await select({ createOptions: { ts: { threads: 'many' } } });",
          '// @ts-expect-error: onnx has no such option',
          'await select({ createOptions: { onnx: { thread: 1 } } });',
          '',
        ].join('\n'),
      );
      writeFileSync(
        join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            target: 'es2023',
            module: 'nodenext',
            moduleResolution: 'nodenext',
            lib: ['es2023'],
            types: ['node'],
            noEmit: true,
            // The examples are checked here, not the engines' own declarations (tfjs-core's need the DOM).
            skipLibCheck: true,
          },
          include: ['typecheck'],
        }),
      );
      const r = await tsc('tsconfig.json');
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
    }, 180_000);

    it('@attnkit/backend-webgpu and attnkit type-check under a strict browser tsconfig with skipLibCheck off', async () => {
      const src = join(app, 'browser-types');
      mkdirSync(src, { recursive: true });
      writeFileSync(
        join(src, 'app.ts'),
        [
          "import { createWebGpuBackend, plugin, type WebGpuBackendOptions } from '@attnkit/backend-webgpu';",
          "import { select } from 'attnkit';",
          'const options: WebGpuBackendOptions = {};',
          'const gpu: GPU | undefined = navigator.gpu;',
          "const { backend } = await select({ device: 'gpu', createOptions: { webgpu: options } });",
          'console.log(plugin.name, gpu, backend.name, typeof createWebGpuBackend);',
          '',
        ].join('\n'),
      );
      writeFileSync(
        join(app, 'tsconfig.browser.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            target: 'es2023',
            module: 'esnext',
            moduleResolution: 'bundler',
            lib: ['es2023', 'dom', 'dom.iterable'],
            types: [],
            noEmit: true,
            skipLibCheck: false,
          },
          include: ['browser-types'],
        }),
      );
      const r = await tsc('tsconfig.browser.json');
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
    }, 180_000);

    describe('browser page', () => {
      let server: Server;
      let url = '';
      beforeAll(async () => {
        const site = join(app, 'site');
        mkdirSync(site, { recursive: true });
        const result = await build({
          entryPoints: [join(app, 'browser-app.js')],
          bundle: true,
          platform: 'browser',
          format: 'esm',
          outfile: join(site, 'app.js'),
          metafile: true,
          logLevel: 'silent',
        });
        const inputs = Object.keys(result.metafile.inputs);
        expect(inputs.filter((p) => /onnxruntime-node|node_modules\/webgpu\/|\/pool-node\.js/.test(p))).toEqual([]);
        const wasmDir = join(app, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
        for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm')))
          copyFileSync(join(wasmDir, f), join(site, f));
        writeFileSync(
          join(site, 'index.html'),
          '<!doctype html><meta charset="utf-8"><pre id="out"></pre><script type="module" src="app.js"></script>',
        );
        ({ server, url } = await serveLocal({ root: site }));
      }, 120_000);
      afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

      async function page(webgpu: boolean): Promise<{
        chosen: string;
        report: { name: string; status: string; reason: string }[];
        first: number[];
        error?: string;
      }> {
        const browser = await launchChromium({ webgpu: webgpu ? 'default' : false });
        try {
          const p = browser.page;
          await p.goto(url);
          await p.waitForFunction(() => (document.getElementById('out')?.textContent ?? '').length > 0, undefined, {
            timeout: 90_000,
          });
          return JSON.parse((await p.textContent('#out'))!);
        } finally {
          await browser.close();
        }
      }

      it('with WebGPU on a software adapter (no GPU here), skips it and says why', async () => {
        const r = await page(true);
        expect(r.error).toBeUndefined();
        expect(r.chosen).toBe('tfjs');
        expect(r.report.find((e) => e.name === 'webgpu')).toMatchObject({
          status: 'unavailable',
          reason: expect.stringMatching(/only a (fallback|software) adapter/),
        });
        for (const x of r.first) expect(x).toBeCloseTo(2.5, 4);
      }, 120_000);

      it('without WebGPU, selects the next backend and says why', async () => {
        const r = await page(false);
        expect(r.error).toBeUndefined();
        expect(r.chosen).toBe('tfjs');
        const gpu = r.report.find((e) => e.name === 'webgpu')!;
        expect(gpu.status).toBe('unavailable');
        expect(gpu.reason.length).toBeGreaterThan(0);
        for (const x of r.first) expect(x).toBeCloseTo(2.5, 4);
      }, 120_000);
    });
  });
});
