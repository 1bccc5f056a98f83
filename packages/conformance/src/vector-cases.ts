/**
 * Peer-vector cases: each vector file must be reproduced, output, present and weights.
 */
import { prepareAttention, requiredFeatures, toFloat16, toFloat32, type Tensor } from '@attnkit/core';
import type { ConformanceCase } from './case.js';
import { assertClose } from './compare.js';
import { guarded } from './ownership.js';
import { vectorCase, type VectorCase, type VectorFile } from './peer-vectors.js';

/** Turns vector files into cases (`peer-vectors/NAME`). */
export function vectorCases(files: readonly VectorFile[], prefix = 'peer-vectors'): ConformanceCase[] {
  return files.flatMap((file) => {
    const vc = vectorCase(file);
    const cases = [vectorRun(`${prefix}/${vc.name}`, vc)];
    // A float16 vector also runs with float16 inputs (its values are halves, so the rounding is exact).
    if (vc.half) cases.push(vectorRun(`${prefix}/${vc.name}/float16-inputs`, asFloat16(vc)));
    return cases;
  });
}

function asFloat16(vc: VectorCase): VectorCase {
  const past = vc.options.past as { key: Tensor; value: Tensor } | undefined;
  return {
    ...vc,
    q: toFloat16(vc.q as Tensor),
    k: toFloat16(vc.k as Tensor),
    v: toFloat16(vc.v as Tensor),
    options: past ? { ...vc.options, past: { key: toFloat16(past.key), value: toFloat16(past.value) } } : vc.options,
  };
}

function vectorRun(id: string, vc: VectorCase): ConformanceCase {
  const needs = requiredFeatures(prepareAttention(vc.q, vc.k, vc.v, vc.options));
  return {
    id,
    group: 'peer-vectors',
    needs,
    async run(backend) {
      const r = await guarded([vc.q, vc.k, vc.v, vc.options], () => backend.attention(vc.q, vc.k, vc.v, vc.options));
      assertClose(toFloat32(r.output).data, vc.expected.output, vc.tolerance, 'Y');
      if (vc.expected.presentKey)
        assertClose(r.present && toFloat32(r.present.key).data, vc.expected.presentKey, vc.tolerance, 'present_key');
      if (vc.expected.presentValue)
        assertClose(
          r.present && toFloat32(r.present.value).data,
          vc.expected.presentValue,
          vc.tolerance,
          'present_value',
        );
      if (vc.expected.weights)
        assertClose(
          r.attentionMap && toFloat32(r.attentionMap).data,
          vc.expected.weights,
          vc.tolerance,
          'qk_matmul_output',
        );
    },
  };
}
