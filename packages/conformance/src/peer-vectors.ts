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
  /**
   * The operator's input or output position (inputs: 0 Q, 1 K, 2 V, 3 attn_mask, 4 past_key, 5 past_value,
   * 6 nonpad_kv_seqlen; outputs: 0 Y, 1 present_key, 2 present_value, 3 qk_matmul_output). When absent, the
   * position follows from `name`.
   */
  readonly slot?: number;
  /** The ONNX name of the value (e.g. `Q`, `attn_mask`, `Y`). */
  readonly name: string;
  /** Its shape, e.g. `[B, H, S, D]` or the 3-D `[B, S, H·D]`. */
  readonly dims: readonly number[];
  /** The element type as the format names it: `float32`, `float16` (already decoded to numbers), `bool` (0/1) or `int64`. */
  readonly dtype: string;
  /** Row-major elements; non-finite numbers are the strings `"NaN"`, `"Infinity"` and `"-Infinity"`. */
  readonly data: readonly (number | string)[];
}

/** A vector file. */
export interface VectorFile {
  /** The case's name, e.g. `test_attention_4d_causal`. */
  readonly name: string;
  /** The ONNX opset the case was written for (23 or 24). */
  readonly opset?: number;
  /**
   * The operator's attributes: `scale`, `is_causal`, `softcap`, `q_num_heads` and `kv_num_heads` (3-D inputs),
   * `qk_matmul_output_mode` (0 scores, 1 softcapped, 2 masked, 3 probabilities), `softmax_precision`.
   */
  readonly attributes?: Readonly<Record<string, number>>;
  /** The inputs given (an omitted optional input has no entry); Q, K and V are required. */
  readonly inputs: readonly VectorValue[];
  /** The expected outputs; Y is required. */
  readonly outputs: readonly VectorValue[];
}

/** A vector file as an attnkit call with its expected results. */
export interface VectorCase {
  /** The file's name. */
  readonly name: string;
  /** Queries as the file gives them: `[B, Hq, Sq, Dk]`, or `[B, Sq, Hq·Dk]` (then `options.heads` is set). */
  readonly q: AnyTensor;
  /** Keys, `[B, Hkv, Sk, Dk]` or `[B, Sk, Hkv·Dk]`. */
  readonly k: AnyTensor;
  /** Values, `[B, Hkv, Sk, Dv]` or `[B, Sk, Hkv·Dv]`. */
  readonly v: AnyTensor;
  /** The file's attributes and optional inputs as attention options (mask, past, key lengths, map kind). */
  readonly options: AttentionOptions;
  /** The file's expected outputs, row-major, as float32. */
  readonly expected: {
    /** Y, in the layout of q: `[B, Hq, Sq, Dv]` or `[B, Sq, Hq·Dv]`. */
    readonly output: Float32Array;
    /** present_key `[B, Hkv, T, Dk]`, when the file has it. */
    readonly presentKey?: Float32Array;
    /** present_value `[B, Hkv, T, Dv]`, when the file has it. */
    readonly presentValue?: Float32Array;
    /** qk_matmul_output `[B, Hq, Sq, T]` of the file's mode (see {@link AttentionMapKind}), when the file has it. */
    readonly weights?: Float32Array;
  };
  /** How close a backend must come: {@link FLOAT16_TOLERANCE} for float16 files, else {@link FLOAT32_TOLERANCE}. */
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
