/**
 * Peer-vector cases: each vector file must be reproduced, output, present and weights.
 */
import { prepareAttention, requiredFeatures } from '@attnkit/core';
import type { ConformanceCase } from './case.js';
import { assertClose } from './compare.js';
import { guarded } from './ownership.js';
import { vectorCase, type VectorFile } from './peer-vectors.js';

/** Turns vector files into cases (`peer-vectors/NAME`). */
export function vectorCases(files: readonly VectorFile[], prefix = 'peer-vectors'): ConformanceCase[] {
  return files.map((file) => {
    const vc = vectorCase(file);
    const needs = requiredFeatures(prepareAttention(vc.q, vc.k, vc.v, vc.options));
    return {
      id: `${prefix}/${vc.name}`,
      group: 'peer-vectors',
      needs,
      async run(backend) {
        const r = await guarded([vc.q, vc.k, vc.v, vc.options], () => backend.attention(vc.q, vc.k, vc.v, vc.options));
        assertClose(r.output.data, vc.expected.output, vc.tolerance, 'Y');
        if (vc.expected.presentKey)
          assertClose(r.present?.key.data, vc.expected.presentKey, vc.tolerance, 'present_key');
        if (vc.expected.presentValue)
          assertClose(r.present?.value.data, vc.expected.presentValue, vc.tolerance, 'present_value');
        if (vc.expected.weights)
          assertClose(r.attentionMap?.data, vc.expected.weights, vc.tolerance, 'qk_matmul_output');
      },
    };
  });
}
