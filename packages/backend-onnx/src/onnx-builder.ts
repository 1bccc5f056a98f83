/**
 * A small builder for ONNX graphs, encoded with the `onnx-proto` message classes (protobufjs): nodes,
 * graph inputs and outputs with symbolic dimensions, initializers, and the model around them.
 *
 * Shape legend: dimensions are numbers (fixed) or strings (symbolic, named axes such as `"Sq"`).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX tensor element types used here (values of `TensorProto.DataType`). */
export const DType = { float: 1, int32: 6, int64: 7, bool: 9, float16: 10, double: 11 } as const;
/** An ONNX element type. */
export type DType = (typeof DType)[keyof typeof DType];

/** A node attribute value, tagged with its ONNX type. */
export type Attr =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string };

/** A float attribute. */
export const float = (value: number): Attr => ({ kind: 'float', value });
/** An integer attribute. */
export const int = (value: number): Attr => ({ kind: 'int', value });
/** A list-of-integers attribute. */
export const ints = (value: readonly number[]): Attr => ({ kind: 'ints', value });
/** A string attribute. */
export const str = (value: string): Attr => ({ kind: 'string', value });

const ATTR_TYPE = { float: 1, int: 2, string: 3, ints: 7 } as const;

/** Data an initializer can hold (a Uint16Array holds float16 bits). */
export type InitData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;

function encodeAttr(name: string, a: Attr): onnxProto.onnx.IAttributeProto {
  const type = ATTR_TYPE[a.kind];
  switch (a.kind) {
    case 'float':
      return { name, type, f: a.value };
    case 'int':
      return { name, type, i: a.value };
    case 'ints':
      return { name, type, ints: [...a.value] };
    case 'string':
      return { name, type, s: new TextEncoder().encode(a.value) };
  }
}

function valueInfo(name: string, type: DType, dims: readonly (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: type,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function bytesOf(data: InitData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Uint8Array data is stored as ONNX bool, Uint16Array data as float16 bits. */
function dtypeOf(data: InitData): DType {
  if (data instanceof Float32Array) return DType.float;
  if (data instanceof Float64Array) return DType.double;
  if (data instanceof Int32Array) return DType.int32;
  if (data instanceof BigInt64Array) return DType.int64;
  if (data instanceof Uint16Array) return DType.float16;
  return DType.bool;
}

/**
 * Builds one ONNX graph. Value names are generated (`t0`, `t1`, ...) unless given.
 *
 * @example
 * ```ts
 * const g = new GraphBuilder('softmax');
 * const x = g.input('X', DType.float, ['N', 4]);
 * g.output(g.op('Softmax', [x], { axis: int(-1) }, 'Y'), DType.float, ['N', 4]);
 * const bytes = g.encode(23);
 * ```
 */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly constants = new Map<string, string>();
  private counter = 0;

  constructor(private readonly name: string) {}

  /** A fresh value name. */
  fresh(prefix = 't'): string {
    return `${prefix}${this.counter++}`;
  }

  /** Declares a graph input. */
  input(name: string, type: DType, dims: readonly (number | string)[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares a graph output; `value` must be produced by a node (use `Identity` to rename). */
  output(value: string, type: DType, dims: readonly (number | string)[]): string {
    this.outputs.push(valueInfo(value, type, dims));
    return value;
  }

  /** Adds an initializer (a constant tensor stored in the model, e.g. a weight). */
  initializer(name: string, data: InitData, dims: readonly number[]): string {
    this.initializers.push({ name, dims: [...dims], dataType: dtypeOf(data), rawData: bytesOf(data) });
    return name;
  }

  /** A shared int64 constant (e.g. a shape or axes list; `dims` `[]` for a scalar), deduplicated by value. */
  int64s(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.initializer(
        this.fresh('c'),
        BigInt64Array.from(values, (v) => BigInt(v)),
        dims,
      );
      this.constants.set(key, name);
    }
    return name;
  }

  /** A shared float32 constant, deduplicated by value: a scalar (rank 0) for a number, else of `dims`. */
  floats(
    values: readonly number[] | number,
    dims: readonly number[] = typeof values === 'number' ? [] : [values.length],
  ): string {
    return this.shared('f32', Float32Array.from(typeof values === 'number' ? [values] : values), dims);
  }

  /** A shared float64 constant (for tables computed in double precision), deduplicated by value. */
  doubles(
    values: readonly number[] | number,
    dims: readonly number[] = typeof values === 'number' ? [] : [values.length],
  ): string {
    return this.shared('f64', Float64Array.from(typeof values === 'number' ? [values] : values), dims);
  }

  private shared(tag: string, data: Float32Array | Float64Array, dims: readonly number[]): string {
    const key = `${tag}:${dims.join('x')}:${data.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.initializer(this.fresh('c'), data, dims);
      this.constants.set(key, name);
    }
    return name;
  }

  /** Adds a node with one output and returns the output's name. An empty input name skips an optional input. */
  op(
    opType: string,
    inputs: readonly string[],
    attrs: Readonly<Record<string, Attr>> = {},
    output?: string,
    domain = '',
  ): string {
    return this.opN(opType, inputs, 1, attrs, output ? [output] : undefined, domain)[0]!;
  }

  /** Adds a node with `count` outputs (empty names in `names` leave an optional output out). */
  opN(
    opType: string,
    inputs: readonly string[],
    count: number,
    attrs: Readonly<Record<string, Attr>> = {},
    names?: readonly string[],
    domain = '',
  ): string[] {
    const outs = names ? [...names] : Array.from({ length: count }, () => this.fresh());
    this.nodes.push({
      opType,
      domain,
      name: `${opType}_${this.nodes.length}`,
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs).map(([n, a]) => encodeAttr(n, a)),
    });
    return outs;
  }

  /** Encodes the graph as a model with the given default-domain opset (and optional extra domains). */
  encode(opset: number, extra: Readonly<Record<string, number>> = {}): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'attnkit',
      opsetImport: [
        { domain: '', version: opset },
        ...Object.entries(extra).map(([domain, version]) => ({ domain, version })),
      ],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    const buf = onnx.ModelProto.encode(model).finish();
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
}

/** The ONNX IR version written: 12, that of the ONNX release that introduced opset 24. */
export const IR_VERSION = 12;
