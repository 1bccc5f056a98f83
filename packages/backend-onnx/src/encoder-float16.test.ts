/**
 * float16 models on ONNX Runtime: the weights reach the session as float16 initializers and stay float16
 * after ONNX Runtime's graph optimizations, read from the optimized model ONNX Runtime writes out.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { initWeights, resolveSpec, sizeOf, validateWeights, weightShapes, type ModelSpec } from '@attnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { encoderGraph } from './encoder-graph.js';
import { encoderSessionOptions } from './encoder-model.js';
import { DType } from './onnx-builder.js';
import { resolveOptions } from './runtime.js';

const { onnx } = onnxProto;

const spec: ModelSpec = {
  type: 'transformer-encoder',
  input: { kind: 'tokens', vocabSize: 50 },
  dModel: 32,
  heads: 4,
  kvHeads: 2,
  layers: 2,
  ffnSize: 64,
  positional: { kind: 'learned', maxLength: 40 },
  attention: [{ relevance: 'additive' }, { causal: true }],
  output: { kind: 'pooled', classes: 5 },
};
const resolved = resolveSpec(spec);
const weightCount = [...weightShapes(resolved).values()].reduce((n, s) => n + sizeOf(s), 0);
const dir = mkdtempSync(join(tmpdir(), 'attnkit-onnx-f16-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The initializers of the model ONNX Runtime optimized `bytes` into, by element type: count of elements. */
async function optimizedInitializers(
  bytes: Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): Promise<Map<number, number>> {
  const path = join(dir, `optimized-${Math.random().toString(36).slice(2)}.onnx`);
  const session = await ort.InferenceSession.create(bytes, { ...options, optimizedModelFilePath: path });
  await session.release();
  const byType = new Map<number, number>();
  for (const t of onnx.ModelProto.decode(readFileSync(path)).graph?.initializer ?? []) {
    const n = (t.dims ?? []).reduce((a: number, d) => a * Number(d), 1);
    byType.set(t.dataType ?? 0, (byType.get(t.dataType ?? 0) ?? 0) + n);
  }
  return byType;
}

describe('float16 encoder graph', () => {
  const base = resolveOptions({ threads: 1 }).session;
  const halves = validateWeights(resolved, initWeights(resolved, { seed: 2, randomAll: true }), 'float16');

  it('keeps every weight float16 through the session the backend creates', async () => {
    const types = await optimizedInitializers(encoderGraph(resolved, halves), encoderSessionOptions(base, 'float16'));
    expect(types.get(DType.float16)).toBe(weightCount);
    // What remains float32: the graph's own scalars and small constants, not weights.
    expect(types.get(DType.float) ?? 0).toBeLessThan(weightCount / 100);
  });

  it('would be widened back to float32 by ONNX Runtime with its default optimizations', async () => {
    const types = await optimizedInitializers(encoderGraph(resolved, halves), base);
    // Only the tables stay float16 (their rows are cast after a lookup by run-time ids); every other weight
    // becomes a float32 initializer.
    const tables = sizeOf(weightShapes(resolved).get('embedding.table')!) + sizeOf([40, 32]);
    expect(types.get(DType.float16) ?? 0).toBe(tables);
    expect(types.get(DType.float)!).toBeGreaterThanOrEqual(weightCount - tables);
  });
});
