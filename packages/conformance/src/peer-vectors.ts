/**
 * Peer vectors: ONNX `Attention` operator test cases in plain JSON (see `vectors/onnx-attention/README.md`),
 * turned into attnkit calls. The format is documented there; any directory of such files can be checked
 * with `attnkit-conformance PLUGIN --vectors DIR`.
 */
import {
  biasMask,
  boolMask,
  type AnyTensor,
  type AttentionOptions,
  type Tensor,
  type AttentionMapKind,
} from '@attnkit/core';
import { FLOAT16_TOLERANCE, FLOAT32_TOLERANCE, type Tolerance } from './compare.js';

/** One input or output of a vector file. */
export interface VectorValue {
  readonly slot?: number;
  readonly name: string;
  readonly dims: readonly number[];
  /** The element type as the format names it: `float32`, `float16` (already decoded to numbers), `bool` (0/1) or `int64`. */
  readonly dtype: string;
  readonly data: readonly (number | string)[];
}

/** A vector file. */
export interface VectorFile {
  readonly name: string;
  readonly opset?: number;
  readonly attributes?: Readonly<Record<string, number>>;
  readonly inputs: readonly VectorValue[];
  readonly outputs: readonly VectorValue[];
}

/** A vector file as an attnkit call with its expected results. */
export interface VectorCase {
  readonly name: string;
  readonly q: AnyTensor;
  readonly k: AnyTensor;
  readonly v: AnyTensor;
  readonly options: AttentionOptions;
  readonly expected: {
    readonly output: Float32Array;
    readonly presentKey?: Float32Array;
    readonly presentValue?: Float32Array;
    readonly weights?: Float32Array;
  };
  readonly tolerance: Tolerance;
  /** The file's tensors are float16 (decoded to their exact values). */
  readonly half: boolean;
}

const INPUT_SLOTS = ['Q', 'K', 'V', 'attn_mask', 'past_key', 'past_value', 'nonpad_kv_seqlen'];
const OUTPUT_SLOTS = ['Y', 'present_key', 'present_value', 'qk_matmul_output'];
const MODES: Record<number, AttentionMapKind> = { 0: 'scores', 1: 'softcapped', 2: 'masked', 3: 'probs' };

function num(x: number | string): number {
  if (typeof x === 'number') return x;
  if (x === 'NaN') return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  throw new Error(`not a number: ${JSON.stringify(x)}`);
}

function bySlot(values: readonly VectorValue[], names: readonly string[]): Map<number, VectorValue> {
  const m = new Map<number, VectorValue>();
  for (const v of values) {
    const slot = v.slot ?? names.indexOf(v.name);
    if (slot < 0) throw new Error(`unknown value "${v.name}" without a slot`);
    m.set(slot, v);
  }
  return m;
}

const f32 = (v: VectorValue): Float32Array => Float32Array.from(v.data, num);
const t = (v: VectorValue): Tensor => ({ shape: [...v.dims], data: f32(v) });

/** Converts a vector file into a call and its expectations. Throws if the file is malformed. */
export function vectorCase(file: VectorFile): VectorCase {
  if (!file || typeof file.name !== 'string' || !Array.isArray(file.inputs) || !Array.isArray(file.outputs)) {
    throw new Error('not a vector file: expected { name, inputs, outputs }');
  }
  const ins = bySlot(file.inputs, INPUT_SLOTS);
  const outs = bySlot(file.outputs, OUTPUT_SLOTS);
  const a = file.attributes ?? {};
  const Q = ins.get(0),
    K = ins.get(1),
    V = ins.get(2),
    Y = outs.get(0);
  if (!Q || !K || !V || !Y) throw new Error('a vector file needs Q, K, V and Y');
  const options: Record<string, unknown> = {};
  if (a.scale !== undefined) options.scale = a.scale;
  if (a.softcap !== undefined && a.softcap !== 0) options.softcap = a.softcap;
  if (a.is_causal) options.causal = true;
  if (Q.dims.length === 3) options.heads = { q: a.q_num_heads, kv: a.kv_num_heads };
  const mask = ins.get(3);
  if (mask) {
    options.mask =
      mask.dtype === 'bool'
        ? boolMask(
            Uint8Array.from(mask.data, (x) => (num(x) ? 1 : 0)),
            mask.dims,
          )
        : biasMask(f32(mask), mask.dims);
  }
  const pk = ins.get(4),
    pv = ins.get(5);
  if (pk && pv) options.past = { key: t(pk), value: t(pv) };
  const nonpad = ins.get(6);
  if (nonpad) options.keyLengths = Int32Array.from(nonpad.data, num);
  const qk = outs.get(3);
  if (qk) options.weights = MODES[a.qk_matmul_output_mode ?? 0];
  const presentKey = outs.get(1),
    presentValue = outs.get(2);
  if (presentKey) options.returnPresent = true;
  const half = [Q, K, V, Y].some((x) => x.dtype === 'float16');
  return {
    name: file.name,
    q: t(Q),
    k: t(K),
    v: t(V),
    options: options as AttentionOptions,
    expected: {
      output: f32(Y),
      ...(presentKey ? { presentKey: f32(presentKey) } : {}),
      ...(presentValue ? { presentValue: f32(presentValue) } : {}),
      ...(qk ? { weights: f32(qk) } : {}),
    },
    tolerance: half ? FLOAT16_TOLERANCE : FLOAT32_TOLERANCE,
    half,
  };
}
