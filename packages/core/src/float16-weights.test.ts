import { describe, expect, it } from 'vitest';
import { defineBackend, type CompiledModel } from './backend.js';
import { capabilities, type Feature } from './capabilities.js';
import { toFloat16, type HalfTensor } from './half-tensor.js';
import { float16Bits, toHalfBits } from './half.js';
import { resolveSpec, weightShapes } from './model-spec.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import { sizeOf, type Tensor } from './tensor.js';
import { initWeights, validateWeights, widenWeights, type ModelWeights, type Weights } from './weights.js';
import { tinySpec } from './spec.test-support.js';

const spec = tinySpec();
const halves = (w: Map<string, Tensor>): Map<string, HalfTensor> => new Map([...w].map(([n, t]) => [n, toFloat16(t)]));

/** A backend whose compile records the weights it was given. */
function recording(features: Feature[], reasons: Partial<Record<Feature, string>> = {}) {
  const seen: ModelWeights[] = [];
  const backend = defineBackend({
    name: 'rec',
    capabilities: capabilities(features, reasons),
    attention: async () => ({ output: new Float32Array(0) }),
    compile: async (_spec, weights): Promise<CompiledModel> => {
      seen.push(weights);
      let bytes = 0;
      for (const a of weights.values()) bytes += a.byteLength;
      return { run: async () => ({ logits: new Float32Array(0) }), weightBytes: bytes };
    },
  });
  return { backend, seen };
}

describe('weights in float16', () => {
  it('narrows float32 weights to the nearest half, ties to even', () => {
    const w = initWeights(spec);
    // Halves near 1 are 2^-10 apart: 1 + 2^-11 is a tie between 1 (even) and 1 + 2^-10 (odd), and
    // 1 + 3·2^-11 one between 1 + 2^-10 (odd) and 1 + 2^-9 (even); 1 + 2^-11 + 2^-20 is above its tie.
    const values = [1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 65504, -65504];
    w.set('head.bias', { shape: [2], data: Float32Array.of(values[0]!, values[1]!) });
    w.set('input.bias', { shape: [4], data: Float32Array.of(values[2]!, values[3]!, values[4]!, 0.1) });
    const h = validateWeights(spec, w, 'float16');
    expect(h.dtype).toBe('float16');
    expect([...h.get('head.bias')!]).toEqual([0x3c00, 0x3c02]);
    // 0.1 rounds to 0x2e66 (0.0999755859375): the half below it is 0x2e65, the one above 0x2e67.
    expect([...h.get('input.bias')!]).toEqual([0x3c01, 0x7bff, 0xfbff, 0x2e66]);
  });

  it('refuses float32 values beyond ±65504 instead of making them Infinity', () => {
    for (const x of [65505, -70000, 3e38]) {
      const w = initWeights(spec);
      w.set('head.bias', { shape: [2], data: Float32Array.of(0, x) });
      expect(() => validateWeights(spec, w, 'float16')).toThrow(
        expect.objectContaining({ code: 'ERR_RANGE', argument: 'head.bias' }),
      );
      // The same weights are fine in float32.
      expect(validateWeights(spec, w).get('head.bias')![1]).toBe(Math.fround(x));
    }
  });

  it('widens float16 weights exactly for a float32 model, and copies halves for a float16 one', () => {
    const w = initWeights(spec, { seed: 3, randomAll: true });
    const given = halves(w);
    const f32 = validateWeights(spec, given);
    const f16 = validateWeights(spec, given, 'float16');
    for (const [name, t] of given) {
      const bits = t.data;
      // Every half is a float32 exactly: widening then narrowing gives the same bits back.
      expect(float16Bits(f32.get(name)!)).toEqual(bits);
      expect(f16.get(name)).toEqual(bits);
      expect(f16.get(name)!.buffer).not.toBe(bits.buffer);
      expect(f32.get(name)!.buffer).not.toBe(bits.buffer);
    }
    expect(widenWeights(f16)).toEqual(f32);
    expect(widenWeights(f32)).toBe(f32);
  });

  it('takes a mix of float32 and float16 tensors', () => {
    const w = initWeights(spec, { seed: 4, randomAll: true });
    const mixed = new Map<string, Tensor | HalfTensor>(w);
    mixed.set('input.weight', toFloat16(w.get('input.weight')!));
    const h = validateWeights(spec, mixed, 'float16');
    expect(h.get('input.weight')).toEqual(float16Bits(w.get('input.weight')!.data));
    expect(h.get('head.weight')).toEqual(float16Bits(w.get('head.weight')!.data));
  });

  it('refuses non-finite halves and half bits that do not say they are halves', () => {
    const w = initWeights(spec) as Map<string, unknown>;
    w.set('head.bias', { shape: [2], data: Uint16Array.of(0x3c00, 0x7c00), dtype: 'float16' });
    expect(() => validateWeights(spec, w as Weights, 'float16')).toThrow(
      'weights: "head.bias" element 1 is Infinity; expected finite numbers',
    );
    w.set('head.bias', { shape: [2], data: Uint16Array.of(0x3c00, 0x7e00), dtype: 'float16' });
    expect(() => validateWeights(spec, w as Weights)).toThrow('element 1 is NaN');
    w.set('head.bias', { shape: [2], data: Uint16Array.of(0x3c00, 0x3c00) });
    expect(() => validateWeights(spec, w as Weights)).toThrow(
      expect.objectContaining({ code: 'ERR_WEIGHTS', argument: 'head.bias' }),
    );
  });

  it('counts the weights at the dtype they are held in against the memory limit', () => {
    const big = tinySpec({ dModel: 64, ffnSize: 256, inputSize: 64 });
    let bytes = 0;
    for (const shape of weightShapes(big).values()) bytes += sizeOf(shape) * 4;
    // A limit between the float16 and the float32 size of the weights.
    const maxBytes = bytes * 0.75;
    expect(() => resolveSpec(big, { maxBytes })).toThrow(expect.objectContaining({ code: 'ERR_TOO_LARGE' }));
    expect(resolveSpec(big, { maxBytes, dtype: 'float16' }).dModel).toBe(64);
  });
});

describe('compile with a dtype', () => {
  it('hands a backend that takes float16 models core-owned halves', async () => {
    const { backend, seen } = recording(['models', 'models:float16']);
    const w = initWeights(spec, { seed: 5, randomAll: true });
    const model = await backend.compile(spec, w, { dtype: 'float16' });
    const given = seen[0]!;
    expect(given.dtype).toBe('float16');
    expect(model.dtype).toBe('float16');
    for (const [name, t] of w) expect(given.get(name)).toEqual(float16Bits(t.data));
    let count = 0;
    for (const shape of weightShapes(spec).values()) count += sizeOf(shape);
    expect(model.weightBytes).toBe(2 * count);
    const f32 = await backend.compile(spec, w);
    expect(f32.dtype).toBe('float32');
    expect(seen[1]!.dtype).toBe('float32');
    expect(f32.weightBytes).toBe(4 * count);
  });

  it('is refused, saying why, by a backend that does not declare float16 models, which stays usable', async () => {
    const { backend, seen } = recording(['models'], { 'models:float16': 'its engine has no half tensors' });
    const w = initWeights(spec);
    const err = await backend.compile(spec, w, { dtype: 'float16' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_UNSUPPORTED', argument: 'options.dtype' });
    expect((err as Error).message).toContain('its engine has no half tensors');
    expect(seen).toHaveLength(0);
    await expect(backend.compile(spec, w)).resolves.toMatchObject({ dtype: 'float32' });
  });

  it('refuses an unknown dtype', async () => {
    const { backend } = recording(['models', 'models:float16']);
    for (const dtype of ['bfloat16', 16, null])
      await expect(backend.compile(spec, initWeights(spec), { dtype: dtype as never })).rejects.toMatchObject({
        code: 'ERR_OPTION',
        argument: 'options.dtype',
      });
  });
});

describe('safetensors in float16', () => {
  it('keeps F16 tensors as float16 on request, and writes float16 tensors as F16', () => {
    const bits = Uint16Array.of(0x3c00, 0xc000, toHalfBits(0.1), 0x0001);
    const w = new Map<string, Tensor | HalfTensor>([
      ['h', { shape: [2, 2], data: bits, dtype: 'float16' }],
      ['f', { shape: [1], data: Float32Array.of(0.1) }],
    ]);
    const bytes = encodeSafetensors(w);
    const header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))),
    );
    expect(header.h).toEqual({ dtype: 'F16', shape: [2, 2], data_offsets: [4, 12] });
    const kept = decodeSafetensors(bytes, { keepFloat16: true }).tensors;
    expect(kept.get('h')).toEqual({ shape: [2, 2], data: bits, dtype: 'float16' });
    expect(kept.get('f')).toEqual({ shape: [1], data: Float32Array.of(0.1) });
    // By default F16 is widened, exactly.
    expect([...decodeSafetensors(bytes).tensors.get('h')!.data]).toEqual([1, -2, 0.0999755859375, 2 ** -24]);
  });

  it('widens BF16 to float32 even when keeping F16', () => {
    const header = JSON.stringify({ b: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } });
    const bytes = new Uint8Array(8 + header.length + 2);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(new TextEncoder().encode(header), 8);
    new DataView(bytes.buffer).setUint16(8 + header.length, 0x4780, true); // 65536 in bfloat16
    expect(decodeSafetensors(bytes, { keepFloat16: true }).tensors.get('b')).toEqual({
      shape: [1],
      data: Float32Array.of(65536),
    });
    expect(() => decodeSafetensors(bytes, { keepFloat16: 'yes' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_TYPE', argument: 'options.keepFloat16' }),
    );
  });
});
