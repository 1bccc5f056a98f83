/**
 * Uniform parameter blocks described once: the same field list generates the WGSL `struct` and packs the
 * values into bytes, so the two can never disagree. Every field is a 4-byte scalar. Packing is strict: a
 * field without a value, or a value for no field, throws naming it (a missing field is never read as 0).
 */

/** A scalar field of a uniform block. */
export type FieldType = 'u32' | 'i32' | 'f32';

/** Field name → type, in declaration order. */
export type Fields = Readonly<Record<string, FieldType>>;

/** One number per field of `F`, no more and no less. */
export type FieldValues<F extends Fields> = { readonly [K in keyof F]: number };

/**
 * The WGSL declaration `struct NAME { ... }`.
 *
 * @example
 * ```ts
 * wgslStruct('Params', { n: 'u32', eps: 'f32' }); // 'struct Params {\n  n: u32,\n  eps: f32,\n}'
 * ```
 */
export function wgslStruct(name: string, fields: Fields): string {
  return `struct ${name} {\n${Object.entries(fields)
    .map(([f, t]) => `  ${f}: ${t},`)
    .join('\n')}\n}`;
}

/**
 * Packs `values` in the order of `fields`, padded to 16 bytes. Throws when a field has no value (or a
 * value that is not a number) and when a value names no field.
 *
 * @example
 * ```ts
 * packFields({ n: 'u32', eps: 'f32' }, { n: 3, eps: 1e-5 }); // 16 bytes
 * packFields({ n: 'u32', eps: 'f32' }, { n: 3 } as never);   // throws: field "eps" has no value
 * ```
 */
export function packFields<F extends Fields>(fields: F, values: FieldValues<F>): ArrayBuffer {
  const names = Object.keys(fields);
  const given = values as Readonly<Record<string, unknown>>;
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(fields, name))
      throw new Error(`uniform value "${name}" is not a field of the block (fields: ${names.join(', ')})`);
  }
  const buf = new ArrayBuffer(Math.ceil((names.length * 4) / 16) * 16 || 16);
  const view = new DataView(buf);
  names.forEach((name, n) => {
    const x = given[name];
    if (typeof x !== 'number')
      throw new Error(
        `uniform field "${name}" has no value (got ${x === undefined ? 'undefined' : typeof x}; expected a number)`,
      );
    const t = fields[name];
    if (t === 'f32') view.setFloat32(n * 4, x, true);
    else if (t === 'i32') view.setInt32(n * 4, x, true);
    else view.setUint32(n * 4, x, true);
  });
  return buf;
}
