/**
 * Bundles the test page with esbuild for the browser, the workspace packages from their sources (as the
 * tests see them) and, of the conformance package, only its browser-safe modules (its index also loads
 * vector files with node:fs). Returns the script and every input file, so the test can check that nothing
 * Node-only (the `webgpu` package, `node:` modules) got in.
 */
import { build, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';

const packages = fileURLToPath(new URL('../../../', import.meta.url));
const conformanceSrc = `${packages}conformance/src/`;

const CONFORMANCE_BROWSER = `
export { runCases } from './case.ts';
export { attentionCases, float16Cases } from './attention-cases.ts';
export { badInputCases } from './bad-input-cases.ts';
export { modelCases } from './model-cases.ts';
export { vectorCases } from './vector-cases.ts';
`;

const workspace: Plugin = {
  name: 'workspace-sources',
  setup(b) {
    b.onResolve({ filter: /^@attnkit\/core$/ }, () => ({ path: `${packages}core/src/index.ts` }));
    b.onResolve({ filter: /^@attnkit\/conformance$/ }, () => ({ path: 'conformance-browser', namespace: 'attnkit' }));
    b.onLoad({ filter: /.*/, namespace: 'attnkit' }, () => ({
      contents: CONFORMANCE_BROWSER,
      loader: 'ts',
      resolveDir: conformanceSrc,
    }));
    // Sources import siblings as './x.js'; the files are './x.ts'.
    b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      if (args.importer.includes('node_modules')) return undefined;
      return { path: fileURLToPath(new URL(args.path.replace(/\.js$/, '.ts'), `file://${args.importer}`)) };
    });
  },
};

/** The bundled page script and its input files. */
export async function bundlePage(): Promise<{ script: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [workspace],
  });
  return { script: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}
