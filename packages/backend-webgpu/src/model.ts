/**
 * The transformer encoder on the GPU. Semantics: `@attnkit/core` model spec. Weights are uploaded once at
 * compile time; a run uploads the input (or binds it where it lies, when it is a resident tensor) and small
 * position tables, records the whole forward pass as one submission and reads back once (logits, and the
 * requested attention maps, in one staging buffer).
 *
 * Shape legend: B batch, S length, R = B·S rows, F input size, d dModel, H/Hkv heads, Dh head size,
 * Fh FFN size, C classes.
 */
import {
  layerAttentionDims,
  embedTokens,
  float32FromHalf,
  layerAttentionOptions,
  resolveAttention,
  ropeTables,
  sinusoidTable,
  UnsupportedError,
  weightShapes,
  type CompiledModel,
  type ModelRunRequest,
  type ModelWeights,
  type ProgressSink,
  type ResolvedSpec,
} from '@attnkit/core';
import { encodeFused, encodeThreePass } from './attention-encode.js';
import { buildAux, maskWords, type AttentionSpec } from './attention-inputs.js';
import { ACT, addRows, layerNorm, linear, meanPool, splitHeads, zeroRows } from './encoder-ops.js';
import type { WeightStorage } from './encoder-ops.wgsl.js';
import type { Float16Path } from './wgsl-float16.js';
import type { GpuContext } from './gpu-context.js';
import { BindingLimitError, type GpuOp, type Slice } from './gpu-op.js';
import { GpuTensor } from './gpu-resident.js';
import { fusedShape, type AttentionKernelChoice, type SubgroupChoice } from './variants.js';

/** RoPE cos then sin tables, `[S, Dh/2]` each, in one buffer (core's tables). */
function ropeTable(S: number, Dh: number, base: number): Float32Array {
  const { cos, sin } = ropeTables(S, Dh, base);
  const t = new Float32Array(cos.length + sin.length);
  t.set(cos);
  t.set(sin, cos.length);
  return t;
}

/** The run's feature input `[R, F]`: the resident tensor it was given as, or its array uploaded. */
function runInput(op: GpuOp, req: ModelRunRequest, elements: number): Slice {
  if (req.native === undefined) return op.upload(req.input);
  if (!(req.native instanceof GpuTensor)) throw new Error('input: not a resident tensor of this WebGPU backend');
  const bytes = elements * 4;
  if (bytes > op.ctx.profile.maxBinding)
    throw new BindingLimitError(
      `the input of ${bytes} bytes exceeds the device's storage binding limit (${op.ctx.profile.maxBinding} bytes)`,
    );
  return req.native.slice(0, elements);
}

/** What a compiled model keeps of its weights. */
interface HeldWeights {
  /** Device buffers by name (q|k|v fused per layer as `layers.L.attention.qkv.*`). */
  readonly resident: Map<string, Slice>;
  /** The additive relevance weights as float32, by name (core resolves each layer's attention with them). */
  readonly additive: Map<string, Float32Array>;
  /** The embedding table, kept on the CPU. */
  readonly table: Float32Array | Uint16Array | undefined;
  /** Bytes held: the device buffers' own sizes and the table's. */
  readonly bytes: number;
}

/**
 * Uploads `weights` (core's copies, let go of afterwards except the embedding table). A float16 model
 * keeps its matrices (linear weights, the learned positions) as halves that the kernels widen as they read
 * them (`array<f16>` on the `shader-f16` road, packed two per u32 otherwise); its vectors (biases, norms, additive relevance weights: O(d) per layer) are widened at
 * upload. The embedding table stays on the CPU, where a run looks its ids up.
 */
async function holdWeights(
  ctx: GpuContext,
  spec: ResolvedSpec,
  weights: ModelWeights,
  progress?: ProgressSink,
): Promise<HeldWeights> {
  const { dModel: d, heads: H, kvHeads: Hkv, headDim: Dh, layers } = spec;
  const qkvRows = (H + 2 * Hkv) * Dh;
  const half = weights.dtype === 'float16';
  const resident = new Map<string, Slice>();
  /** Float32 values of a vector weight (widened once for a float16 model). */
  const vector = (a: Float32Array | Uint16Array): Float32Array => (a instanceof Uint16Array ? float32FromHalf(a) : a);
  const additive = new Map<string, Float32Array>();
  // Progress: the weights uploaded so far (the fused q|k|v tensors count as their three parts).
  const total = weights.size;
  let uploaded = 0;
  await ctx.run(() => {
    const put = (name: string, data: Float32Array | Uint16Array, rank: number, parts = 1): void => {
      // Matrices keep their dtype (packed halves for float16), vectors are float32.
      const kept = rank === 2 ? data : vector(data);
      resident.set(name, { buffer: ctx.pool.upload(kept), bytes: Math.ceil(kept.byteLength / 4) * 4 });
      ctx.transfers.toBackend++;
      uploaded += parts;
      progress?.(uploaded / total);
    };
    const shapes = weightShapes(spec);
    for (const [name, data] of weights) {
      if (/attention\.(query|key|value)\./.test(name) || name === 'embedding.table') continue;
      if (name.endsWith('additive.weight')) additive.set(name, vector(data));
      put(name, data, name.endsWith('additive.weight') ? 1 : shapes.get(name)!.length);
    }
    for (let l = 0; l < layers; l++) {
      const p = `layers.${l}.attention.`;
      const w = half ? new Uint16Array(qkvRows * d) : new Float32Array(qkvRows * d),
        b = half ? new Uint16Array(qkvRows) : new Float32Array(qkvRows);
      let at = 0;
      for (const part of ['query', 'key', 'value']) {
        // Both arrays have the dtype of the model.
        (w as Float32Array).set(weights.get(`${p}${part}.weight`)! as Float32Array, at * d);
        (b as Float32Array).set(weights.get(`${p}${part}.bias`)! as Float32Array, at);
        at += (part === 'query' ? H : Hkv) * Dh;
      }
      put(`${p}qkv.weight`, w, 2, 3);
      put(`${p}qkv.bias`, b, 1, 3);
    }
  });
  const table = weights.get('embedding.table');
  let bytes = table?.byteLength ?? 0;
  for (const s of resident.values()) bytes += s.buffer.size;
  return { resident, additive, table, bytes };
}

/** Compiles a validated spec: uploads the weights (see {@link holdWeights}) and returns the runner. */
export async function compileModel(
  ctx: GpuContext,
  spec: ResolvedSpec,
  weights: ModelWeights,
  options: { kernel: AttentionKernelChoice; subgroups: SubgroupChoice; float16: Float16Path },
  progress?: ProgressSink,
): Promise<CompiledModel> {
  const { dModel: d, heads: H, kvHeads: Hkv, headDim: Dh, ffnSize: Fh, inputSize: F, layers } = spec;
  const C = spec.output.classes;
  const qkvRows = (H + 2 * Hkv) * Dh;
  const half = weights.dtype === 'float16';
  // float16 matrices: bound as array<f16> on the shader-f16 road, as packed halves otherwise (same bytes).
  const storage: WeightStorage = !half ? 'float32' : options.float16 === 'shader-f16' ? 'shader-f16' : 'float16';
  const { resident, additive, table, bytes: weightBytes } = await holdWeights(ctx, spec, weights, progress);
  const w = (name: string): Slice => resident.get(name)!;
  const shape = options.kernel === 'three-pass' ? undefined : fusedShape(ctx.profile, Dh, Dh, 2, options.subgroups);

  function record(op: GpuOp, req: ModelRunRequest): Slice[] {
    const { batch: B, length: S, lengths } = req;
    const R = B * S;
    const f4 = (n: number): number => n * 4;
    const h = req.tokens ? op.upload(embedTokens(req.tokens, table!, d)) : op.scratch(f4(R * d)),
      t = op.scratch(f4(R * d));
    const lens = op.params(new Uint32Array(lengths.buffer, lengths.byteOffset, B));
    if (!req.tokens)
      linear(op, runInput(op, req, R * F), R, F, w('input.weight'), w('input.bias'), d, h, { weights: storage });
    if (spec.positional.kind === 'sinusoidal') addRows(op, h, R, d, op.upload(sinusoidTable(S, d)), S);
    if (spec.positional.kind === 'learned') addRows(op, h, R, d, w('positional.table'), S, storage);
    const trig =
      spec.positional.kind === 'rope' ? op.upload(ropeTable(S, Dh, spec.positional.base ?? 10000)) : undefined;
    const proj = op.scratch(f4(R * qkvRows)),
      attn = op.scratch(f4(R * H * Dh));
    const q = op.scratch(f4(R * H * Dh)),
      k = op.scratch(f4(R * Hkv * Dh)),
      v = op.scratch(f4(R * Hkv * Dh));
    const hidden = op.scratch(f4(R * Fh));
    const noMask = op.params(new Uint32Array(1));
    const maps: Slice[] = [];

    const mha = (input: Slice, l: number, into: Slice): void => {
      const p = `layers.${l}.attention.`;
      linear(op, input, R, d, w(`${p}qkv.weight`), w(`${p}qkv.bias`), qkvRows, proj, { weights: storage });
      splitHeads(op, proj, { B, S, H, Hkv, Dh }, trig, q, k, v);
      // The layer's attention as core resolves it (its size was checked with the run).
      const a: AttentionSpec = resolveAttention(
        { ...layerAttentionDims(spec, B, S), hasPast: false, packed: false },
        layerAttentionOptions(
          spec,
          l,
          { lengths, padded: req.padded, graph: req.graph, length: S },
          additive.get(`${p}additive.weight`),
        ),
        { maxBytes: Infinity },
      );
      const aux = buildAux(a);
      const bind = {
        q,
        k,
        v,
        mask: a.mask ? op.upload(maskWords(a.mask)) : noMask,
        aux: op.params(aux.words),
        out: attn,
        ...(a.additive ? { additive: w(`${p}additive.weight`) } : {}),
      };
      const range = { unit0: 0, units: B * Hkv, outPacked: true };
      // Additive layers have a three-pass kernel only.
      if (req.attentionOf.includes(l) || !shape || a.additive) {
        const scores = op.scratch(f4(B * H * S * S), 'the attention weights');
        encodeThreePass(op, a, aux, bind, range, scores, op.scratch(4), 0);
        if (req.attentionOf.includes(l)) maps[l] = scores;
      } else {
        encodeFused(op, a, aux, shape, bind, range);
      }
      linear(op, attn, R, H * Dh, w(`${p}output.weight`), w(`${p}output.bias`), d, into, {
        accumulate: true,
        weights: storage,
      });
    };
    const ffn = (input: Slice, l: number, into: Slice): void => {
      const p = `layers.${l}.ffn.`;
      linear(op, input, R, d, w(`${p}hidden.weight`), w(`${p}hidden.bias`), Fh, hidden, {
        act: ACT[spec.activation],
        weights: storage,
      });
      linear(op, hidden, R, Fh, w(`${p}output.weight`), w(`${p}output.bias`), d, into, {
        accumulate: true,
        weights: storage,
      });
    };
    const eps = spec.normEpsilon;
    for (let l = 0; l < layers; l++) {
      const n1 = `layers.${l}.norm1`,
        n2 = `layers.${l}.norm2`;
      if (spec.norm === 'pre') {
        layerNorm(op, h, R, d, w(`${n1}.weight`), w(`${n1}.bias`), eps, t);
        mha(t, l, h);
        layerNorm(op, h, R, d, w(`${n2}.weight`), w(`${n2}.bias`), eps, t);
        ffn(t, l, h);
      } else {
        mha(h, l, h);
        layerNorm(op, h, R, d, w(`${n1}.weight`), w(`${n1}.bias`), eps, t);
        ffn(t, l, t);
        layerNorm(op, t, R, d, w(`${n2}.weight`), w(`${n2}.bias`), eps, h);
      }
    }
    let last = h;
    if (spec.norm === 'pre') {
      layerNorm(op, h, R, d, w('final_norm.weight'), w('final_norm.bias'), eps, t);
      last = t;
    }
    let logits: Slice;
    if (spec.output.kind === 'pooled') {
      const pooled = op.scratch(f4(B * d));
      meanPool(op, last, B, S, d, lens, pooled);
      logits = op.scratch(f4(B * C));
      linear(op, pooled, B, d, w('head.weight'), w('head.bias'), C, logits, { weights: storage });
    } else {
      logits = op.scratch(f4(R * C));
      linear(op, last, R, d, w('head.weight'), w('head.bias'), C, logits, { weights: storage });
      zeroRows(op, logits, B, S, C, lens);
    }
    return [logits, ...req.attentionOf.map((l) => maps[l]!)];
  }

  return {
    // A resident input is bound where it lies: nothing is read back or uploaded for it.
    nativeInput: true,
    weightBytes,
    async run(req) {
      try {
        const [logits, ...attention] = await ctx.run((op) => {
          for (const s of record(op, req)) op.read(s);
        });
        return { logits: logits!, attention };
      } catch (e) {
        if (e instanceof BindingLimitError)
          throw new UnsupportedError(
            `model run of [${req.batch}, ${req.length}]: ${e.message}; run fewer or shorter sequences per call`,
            'input',
          );
        throw e;
      }
    },
    dispose() {
      for (const s of resident.values()) ctx.pool.release(s.buffer);
      resident.clear();
    },
  };
}
