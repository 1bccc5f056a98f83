/**
 * An attnkit backend as a benchmark engine: loaded through its plugin (probe, then create), run through
 * the public `Backend` interface a user calls (`attention`, `compile` then `Model.run`).
 */
import {
  describeMissing,
  layerAttentionOptions,
  missingFeatures,
  prepareAttention,
  requiredFeatures,
  resolveSpec,
  toFloat16,
  toFloat32,
  type AttentionOptions,
  type BackendPlugin,
  type Feature,
} from '@attnkit/core';
import { attentionOptions, keyValueHeads, type BenchCase } from '../cases.js';
import { prepareCacheDecode } from '../cache-case.js';
import { prepareChain } from '../chain-case.js';
import { messageOf, type Engine, type EngineSession } from '../engine.js';

/** How to get a backend plugin; rejects when its package is missing or not built. */
export type PluginLoader = () => Promise<BackendPlugin>;

/**
 * Imports `specifier` and returns its `plugin` export. The import is by name at run time, so a backend
 * package that is absent or not built makes only its engine unavailable.
 */
export function pluginFrom(specifier: string, exportName = 'plugin'): PluginLoader {
  return async () => {
    const mod = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
    const plugin = mod[exportName] as BackendPlugin | undefined;
    if (!plugin || typeof plugin.probe !== 'function')
      throw new Error(`${specifier} exports no backend plugin named "${exportName}"`);
    return plugin;
  };
}

/**
 * The features one attention call with these heads, head size and options needs, as core decides them
 * (`prepareAttention`, then `requiredFeatures`). The call is a one-position stand-in: which features a
 * call needs depends on its options and head counts, not on its lengths.
 */
function callFeatures(heads: { q: number; kv: number }, headDim: number, options: AttentionOptions): Feature[] {
  const q = { shape: [1, heads.q, 1, headDim], data: new Float32Array(heads.q * headDim) };
  const kv = { shape: [1, heads.kv, 1, headDim], data: new Float32Array(heads.kv * headDim) };
  return requiredFeatures(prepareAttention(q, kv, kv, options));
}

/**
 * The features a case needs of a backend: an attention case, those of its call with its options; an
 * encoder, `models` and those of each layer's attention call (core's `layerAttentionOptions`: its
 * `causal` and `window`, ALiBi; grouped heads from the spec's head counts).
 *
 * @example
 * ```ts
 * neededFeatures(attentionCase({ batch: 1, heads: 8, seq: 1024, headDim: 64, mask: 'causal' }, 'seq')); // ['causal']
 * ```
 */
export function neededFeatures(c: BenchCase): Feature[] {
  if (c.kind === 'attention') {
    const features = callFeatures({ q: c.heads, kv: keyValueHeads(c) }, c.headDim, attentionOptions(c));
    return c.dtype === 'float16' ? [...features, 'float16'] : features;
  }
  const r = resolveSpec(c.spec);
  const layers = r.attention.flatMap((_, l) =>
    callFeatures({ q: r.heads, kv: r.kvHeads }, r.headDim, layerAttentionOptions(r, l)),
  );
  return ['models', ...(c.dtype === 'float16' ? (['models:float16'] as const) : []), ...new Set(layers)];
}

/**
 * Wraps a backend plugin. `createOptions` go to `plugin.create` (e.g. which TensorFlow.js backend).
 *
 * @example
 * ```ts
 * const engine = attnkitEngine(async () => tsPlugin);
 * ```
 */
export function attnkitEngine(load: PluginLoader, createOptions?: unknown): Engine {
  return {
    async probe() {
      let plugin: BackendPlugin;
      try {
        plugin = await load();
      } catch (e) {
        return { available: false, reason: `cannot load the backend: ${messageOf(e)}` };
      }
      try {
        const p = (await plugin.probe()) as { available: boolean; reason?: string; adapter?: { name?: unknown } };
        const adapter = typeof p.adapter?.name === 'string' ? { info: { adapter: p.adapter.name } } : {};
        return { available: p.available, ...(p.reason !== undefined ? { reason: p.reason } : {}), ...adapter };
      } catch (e) {
        return { available: false, reason: `probe threw: ${messageOf(e)}` };
      }
    },
    async open(): Promise<EngineSession> {
      const plugin = await load();
      // The runner's own memory gate decides which cases run (`--max-memory`), so core's per-call default
      // limit is lifted here; a backend's hard cap (tfjs on WebAssembly) still applies.
      const backend = await plugin.create({ ...(createOptions as object | undefined), maxBytes: Infinity });
      return {
        info: { backend: backend.name, ...backend.info },
        unsupported(c) {
          const missing = missingFeatures(backend.capabilities, neededFeatures(c));
          if (missing.length > 0) return `backend "${backend.name}" lacks ${describeMissing(missing)}`;
          const max = backend.capabilities.maxKeyLength;
          if (c.kind === 'attention' && max !== undefined && c.seq > max)
            return `backend "${backend.name}" accepts at most ${max} keys per call`;
          return undefined;
        },
        async prepare(c, inputs) {
          if (c.kind === 'encoder' && inputs.kind === 'encoder') {
            // float16 cases: core narrows the weights once, at compile, outside the timed runs.
            const model = await backend.compile(c.spec, inputs.weights, c.dtype ? { dtype: c.dtype } : {});
            // One untimed run, as for a peer whose session is built here: what a backend does once
            // (sessions, pipelines, worker start-up) is not part of the timed or warm-up runs.
            await model.run(inputs.input);
            return {
              run: async () => (await model.run(inputs.input)).logits.data,
              dispose: () => model.dispose(),
            };
          }
          if (c.kind === 'attention' && c.chain && inputs.kind === 'attention')
            return prepareChain(backend, { ...c, chain: c.chain }, inputs.q);
          if (c.kind === 'attention' && c.steps !== undefined && inputs.kind === 'attention')
            return prepareCacheDecode(backend, { ...c, steps: c.steps }, inputs);
          if (c.kind === 'attention' && inputs.kind === 'attention') {
            const options = attentionOptions(c);
            // float16 cases: the inputs rounded to halves once, outside the timed runs; each run widens its
            // output for the check (a pass over Sq·D values, against the call's Sq·T·D).
            const half = c.dtype === 'float16';
            const q = half ? toFloat16(inputs.q) : inputs.q;
            const k = half ? toFloat16(inputs.k) : inputs.k;
            const v = half ? toFloat16(inputs.v) : inputs.v;
            await backend.attention(q, k, v, options); // untimed first call, as for the encoder
            return {
              run: async () => toFloat32((await backend.attention(q, k, v, options)).output).data,
              dispose: async () => undefined,
            };
          }
          throw new Error(`inputs of kind ${inputs.kind} do not fit case ${c.id}`);
        },
        dispose: () => backend.dispose(),
      };
    },
  };
}
