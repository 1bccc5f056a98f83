/**
 * The whole suite as a list of cases.
 */
import { attentionCases, float16Cases } from './attention-cases.js';
import { badInputCases } from './bad-input-cases.js';
import type { ConformanceCase } from './case.js';
import { lifecycleCases } from './lifecycle-cases.js';
import { modelCases } from './model-cases.js';
import { modelFloat16Cases } from './model-float16-cases.js';
import { loadVectorFiles } from './node-vectors.js';
import { vectorCases } from './vector-cases.js';
import { residentCases } from './resident-cases.js';

/** Options selecting which cases make the suite. */
export interface SuiteOptions {
  /** Directory of peer-vector files; default: the ONNX vectors shipped with this package. */
  readonly vectorsDir?: string;
  /** Only the vectors in `vectorsDir` (no generated, bad-input or model cases). */
  readonly vectorsOnly?: boolean;
  /** Keep only cases whose id matches. */
  readonly filter?: RegExp;
}

/** Every case of the suite (Node: reads the vector files). */
export function conformanceCases(options: SuiteOptions = {}): ConformanceCase[] {
  const vectors = vectorCases(loadVectorFiles(options.vectorsDir));
  const all = options.vectorsOnly
    ? vectors
    : [
        ...attentionCases(),
        ...float16Cases(),
        ...vectors,
        ...badInputCases(),
        ...residentCases(),
        ...modelCases(),
        ...modelFloat16Cases(),
        ...lifecycleCases(),
      ];
  return options.filter ? all.filter((c) => options.filter!.test(c.id)) : all;
}
