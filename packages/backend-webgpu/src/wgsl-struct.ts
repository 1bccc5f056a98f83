/**
 * Uniform parameter blocks described once: the same field list generates the WGSL `struct` and packs the
 * values into bytes, so the two can never disagree. Every field is a 4-byte scalar.
 */

/** A scalar field of a uniform block. */
export type FieldType = 'u32' | 'i32' | 'f32';

/** Field name → type, in declaration order. */
export type Fields = Readonly<Record<string, FieldType>>;

/** The WGSL declaration `struct NAME { ... }`. */
export function wgslStruct(name: string, fields: Fields): string {
  return `struct ${name} {\n${Object.entries(fields).map(([f, t]) => `  ${f}: ${t},`).join('\n')}\n}`;
}

/** Packs `values` in the order of `fields` (missing values are 0), padded to 16 bytes. */
export function packFields(fields: Fields, values: Readonly<Record<string, number>>): ArrayBuffer {
  const names = Object.keys(fields);
  const buf = new ArrayBuffer(Math.ceil((names.length * 4) / 16) * 16 || 16);
  const view = new DataView(buf);
  names.forEach((name, n) => {
    const x = values[name] ?? 0;
    const t = fields[name];
    if (t === 'f32') view.setFloat32(n * 4, x, true);
    else if (t === 'i32') view.setInt32(n * 4, x, true);
    else view.setUint32(n * 4, x, true);
  });
  return buf;
}
