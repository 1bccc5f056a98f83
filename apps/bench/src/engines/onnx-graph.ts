/**
 * A minimal ONNX model writer on the `onnx-proto` message classes: enough to express attention and the
 * encoder as plain graphs of standard operators, the way a user writes them without attnkit.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** A node attribute: a float, an int, a list of ints, or a string. */
export type AttrValue = { f: number } | { i: number } | { ints: readonly number[] } | { s: string };

/** Element types of graph inputs and outputs. */
export type ElementType = 'float32' | 'float16' | 'int32';

const ELEMENT_TYPES: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int32: onnx.TensorProto.DataType.INT32,
};

/** A graph under construction. */
export interface GraphBuilder {
  /** Adds a node; returns its output names. */
  node(
    op: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs?: Record<string, AttrValue>,
    domain?: string,
  ): readonly string[];
  /** Adds a float32 initializer (a constant tensor) and returns its name. */
  constant(name: string, dims: readonly number[], data: Float32Array): string;
  /** Adds an int64 initializer. */
  constantInt64(name: string, values: readonly number[]): string;
  /** Adds a graph input (float32 unless `type` says otherwise). */
  input(name: string, dims: readonly number[], type?: ElementType): void;
  /** Adds a graph output (float32 unless `type` says otherwise). */
  output(name: string, dims: readonly (number | string)[], type?: ElementType): void;
  /** Encodes the model. */
  encode(opset: number): Uint8Array;
}

function attribute(name: string, value: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('f' in value) return { name, type: T.FLOAT, f: value.f };
  if ('i' in value) return { name, type: T.INT, i: value.i };
  if ('ints' in value) return { name, type: T.INTS, ints: [...value.ints] };
  return { name, type: T.STRING, s: new TextEncoder().encode(value.s) };
}

function valueInfo(
  name: string,
  dims: readonly (number | string)[],
  type: ElementType = 'float32',
): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPES[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * Starts a graph.
 *
 * @example
 * ```ts
 * const g = graph('attention');
 * g.input('Q', [1, 8, 512, 64]);
 * g.node('Softmax', ['S'], ['P'], { axis: { i: -1 } });
 * const bytes = g.encode(17);
 * ```
 */
export function graph(name: string): GraphBuilder {
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const inputs: onnxProto.onnx.IValueInfoProto[] = [];
  const outputs: onnxProto.onnx.IValueInfoProto[] = [];
  return {
    node(op, ins, outs, attrs = {}, domain = '') {
      nodes.push({
        opType: op,
        input: [...ins],
        output: [...outs],
        name: `${op}_${nodes.length}`,
        domain,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      });
      return outs;
    },
    constant(n, dims, data) {
      initializer.push({
        name: n,
        dims: [...dims],
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      });
      return n;
    },
    constantInt64(n, values) {
      const data = BigInt64Array.from(values, (v) => BigInt(v));
      initializer.push({
        name: n,
        dims: [values.length],
        dataType: onnx.TensorProto.DataType.INT64,
        rawData: new Uint8Array(data.buffer),
      });
      return n;
    },
    input(n, dims, type) {
      inputs.push(valueInfo(n, dims, type));
    },
    output(n, dims, type) {
      outputs.push(valueInfo(n, dims, type));
    },
    encode(opset) {
      const model = onnx.ModelProto.create({
        // The IR version that introduced the opset (8: ≤17, 9: 19-20, 10: 21-22, 11: 23+).
        irVersion: opset >= 23 ? 11 : opset >= 21 ? 10 : opset >= 19 ? 9 : 8,
        producerName: 'attnkit-bench',
        // Contrib operators (MultiHeadAttention, GroupQueryAttention) are in com.microsoft, version 1.
        opsetImport: [
          { domain: '', version: opset },
          ...(nodes.some((n) => n.domain === 'com.microsoft') ? [{ domain: 'com.microsoft', version: 1 }] : []),
        ],
        graph: { name, node: nodes, initializer, input: inputs, output: outputs },
      });
      return onnx.ModelProto.encode(model).finish();
    },
  };
}
