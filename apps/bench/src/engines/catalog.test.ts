import { describe, expect, it } from 'vitest';
import { attentionCase, encoderCase } from '../cases.js';
import { DEFAULT_ENCODER_SPEC } from '../encoder-spec.js';
import { nodeCatalog } from './catalog-node.js';
import { scoreMatrixBytes } from './catalog.js';

describe('the engine catalog', () => {
  it('has every attnkit backend and every peer, with unique ids', () => {
    const ids = nodeCatalog().map((d) => `${d.kind}:${d.id}`);
    expect(ids).toEqual([
      'attnkit:ts',
      'attnkit:onnx',
      'attnkit:tfjs-wasm',
      'attnkit:tfjs-cpu',
      'attnkit:webgpu',
      'peer:ort-matmul',
      'peer:ort-attention',
      'peer:ortweb-wasm',
      'peer:ortweb-wasm-mha',
      'peer:ortweb-wasm-gqa',
      'peer:ortweb-wasm-matmul',
      'peer:tfjs-wasm-ops',
      'peer:tfjs-cpu-ops',
    ]);
  });

  it("knows what the peers' score matrices and masks need", () => {
    const big = attentionCase({ batch: 1, heads: 8, seq: 16384, headDim: 64, mask: 'causal' }, 'seq');
    expect(scoreMatrixBytes(big, 3)).toBe(4 * 16384 * 16384 * (3 * 8 + 1));
    const ort = nodeCatalog().find((d) => d.id === 'ort-matmul')!;
    expect(ort.estimateBytes!(big)).toBeGreaterThan(24 * 2 ** 30);
    // the built-in encoder: 4 heads, 4 windowed layers
    expect(scoreMatrixBytes(encoderCase(DEFAULT_ENCODER_SPEC, 'built-in', 1000), 3)).toBe(
      4 * 1000 * 1000 * (3 * 4 + 4),
    );
  });

  it('gives attnkit backends no estimate: their memory is what is measured', () => {
    const ts = nodeCatalog().find((d) => d.id === 'ts')!;
    expect(ts.estimateBytes).toBeUndefined();
  });
});
