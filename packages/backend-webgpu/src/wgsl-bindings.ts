/**
 * A kernel's buffer bindings declared once, in one table (name → binding, binding n = the n-th entry), in
 * the manner of ONNX Runtime's WebGPU `ShaderHelper`. From that table alone come the WGSL
 * `@group(0) @binding(n) var<...>` declarations (and the uniform block's `struct`), the bind-group layout
 * entries, and the order of the buffers at dispatch, which are passed by name. A buffer missing at
 * dispatch, a name that is no binding, or a `@binding` written by hand in the WGSL throws naming it.
 */
import type { Slice } from './gpu-op.js';
import { wgslStruct, type Fields } from './wgsl-struct.js';

/** How a kernel binds a buffer: a uniform block, read-only storage, or read-write storage. */
export type BindingKind = 'uniform' | 'read' | 'read-write';

/** One binding of a kernel: how it is bound and its WGSL type. */
export interface Binding {
  readonly kind: BindingKind;
  /** The WGSL type (`array<f32>`, or the struct name of a uniform block). */
  readonly type: string;
  /** A uniform block's fields; its `struct` is declared with the binding. */
  readonly fields?: Fields;
}

/** A uniform block binding with its fields. */
export interface UniformBinding<F extends Fields> extends Binding {
  readonly kind: 'uniform';
  readonly fields: F;
}

/** Binding name → binding, in binding order. */
export type BindingTable = Readonly<Record<string, Binding>>;

/** The uniform block `struct` named `type` with `fields`. */
export function uniform<const F extends Fields>(type: string, fields: F): UniformBinding<F> {
  return { kind: 'uniform', type, fields };
}

/** A read-only storage buffer of WGSL type `type` (`array<f32>` by default). */
export function read(type = 'array<f32>'): Binding {
  return { kind: 'read', type };
}

/** A read-write storage buffer of WGSL type `type` (`array<f32>` by default). */
export function readWrite(type = 'array<f32>'): Binding {
  return { kind: 'read-write', type };
}

const ADDRESS: Record<BindingKind, string> = {
  uniform: 'uniform',
  read: 'storage, read',
  'read-write': 'storage, read_write',
};
const LAYOUT: Record<BindingKind, GPUBufferBindingType> = {
  uniform: 'uniform',
  read: 'read-only-storage',
  'read-write': 'storage',
};
const COMPUTE = 0x4;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The WGSL declarations of `table`: each uniform block's `struct`, then one `var` per binding. */
export function wgslDeclarations(table: BindingTable): string {
  const entries = Object.entries(table);
  const structs = entries.flatMap(([, b]) => (b.fields ? [wgslStruct(b.type, b.fields)] : []));
  const vars = entries.map(([name, b], n) => `@group(0) @binding(${n}) var<${ADDRESS[b.kind]}> ${name}: ${b.type};`);
  return [...structs, ...vars].join('\n');
}

/** The bind-group layout entries of `table`, binding n = the n-th entry. */
export function layoutEntries(table: BindingTable): GPUBindGroupLayoutEntry[] {
  return Object.values(table).map((b, binding) => ({ binding, visibility: COMPUTE, buffer: { type: LAYOUT[b.kind] } }));
}

/** A key shared by tables with the same layout (layouts are cached by it). */
export function layoutKey(table: BindingTable): string {
  return Object.values(table)
    .map((b) => b.kind)
    .join(',');
}

/**
 * The bind-group entries for `buffers` given by binding name, in `table`'s order. Throws when a binding
 * has no buffer or a buffer names no binding of kernel `key`.
 */
export function bindGroupEntries(
  key: string,
  table: BindingTable,
  buffers: Readonly<Record<string, Slice>>,
): GPUBindGroupEntry[] {
  const names = Object.keys(table);
  for (const name of Object.keys(buffers)) {
    if (!Object.hasOwn(table, name))
      throw new Error(`kernel "${key}": "${name}" is not one of its bindings (${names.join(', ')})`);
  }
  return names.map((name, binding) => {
    const s = buffers[name];
    if (!s) throw new Error(`kernel "${key}": binding "${name}" (@binding(${binding})) was given no buffer`);
    return { binding, resource: { buffer: s.buffer, offset: s.offset ?? 0, size: s.bytes } };
  });
}

/** A kernel's WGSL with its binding table: everything a context needs to compile and bind it. */
export interface KernelSource<T extends BindingTable = BindingTable> {
  /** Pipeline cache key and label. */
  readonly key: string;
  readonly bindings: T;
  /** The generated declarations of `bindings` (also tells kernels sharing a key apart). */
  readonly declarations: string;
  /** The whole WGSL module (built on first compile). */
  readonly code: () => string;
}

/**
 * A kernel whose WGSL is `body(declarations)`, the declarations generated from `bindings`. The WGSL may
 * not declare bindings of its own: its `@binding(` count must equal the table's size.
 *
 * @example
 * ```ts
 * const fill = kernelSource('fill', { P: uniform('Params', { n: 'u32' }), y: readWrite() }, (decls) => `${decls}
 * @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) { if (g.x < P.n) { y[g.x] = 1.0; } }`);
 * op.dispatch(ctx.kernel(fill), { P: op.uniform(packFields(fill.bindings.P.fields, { n })), y }, [Math.ceil(n / 64)]);
 * ```
 */
export function kernelSource<const T extends BindingTable>(
  key: string,
  bindings: T,
  body: (declarations: string) => string,
): KernelSource<T> {
  for (const name of Object.keys(bindings)) {
    if (!IDENT.test(name)) throw new Error(`kernel "${key}": binding name "${name}" is not a WGSL identifier`);
  }
  const declarations = wgslDeclarations(bindings);
  const size = Object.keys(bindings).length;
  const code = (): string => {
    const wgsl = body(declarations);
    const declared = wgsl.match(/@binding\s*\(/g)?.length ?? 0;
    if (declared !== size)
      throw new Error(
        `kernel "${key}": its WGSL declares ${declared} bindings, its table ${size}; declare bindings only in the table`,
      );
    return wgsl;
  };
  return { key, bindings, declarations, code };
}
