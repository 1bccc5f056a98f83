/**
 * @attnkit/conformance: the float64 reference, the case tables, the ONNX peer vectors, and runners that
 * certify any attnkit backend (`runConformance` for vitest in `@attnkit/conformance/vitest`, and the
 * `attnkit-conformance` command).
 *
 * @packageDocumentation
 */
export { referenceAttention, referenceBias, visible } from './reference-attention.js';
export type { ReferenceAttention, ReferenceProblem } from './reference-attention.js';
export { referenceModel, linear, layerNorm, gelu, sinusoid, rope } from './reference-model.js';
export type { ReferenceModelOutput } from './reference-model.js';
export {
  assertClose,
  maxAbsDiff,
  ConformanceFailure,
  FLOAT32_TOLERANCE,
  FLOAT16_TOLERANCE,
  FLOAT16_RESULT_TOLERANCE,
} from './compare.js';
export type { Tolerance } from './compare.js';
export { runCases, skipReason } from './case.js';
export type { ConformanceCase, CaseGroup, CaseOutcome } from './case.js';
export { attentionCases, attentionCase, float16Cases, randomCombinationCases, makeInputs } from './attention-cases.js';
export type { CaseShape } from './attention-cases.js';
export { badInputCases } from './bad-input-cases.js';
export { residentCases, handleCase, expectNoLeak } from './resident-cases.js';
export { modelCases, modelTolerance } from './model-cases.js';
export { modelFloat16Cases, FLOAT16_WEIGHT_BYTES_RATIO } from './model-float16-cases.js';
export { tinyEncoderSpec } from './tiny-spec.js';
export { vectorCase } from './peer-vectors.js';
export type { VectorCase, VectorFile, VectorValue } from './peer-vectors.js';
export { vectorCases } from './vector-cases.js';
export { loadVectorFiles, BUNDLED_VECTORS_DIR } from './node-vectors.js';
export { conformanceCases } from './suite.js';
export { lifecycleCases, lifecycleChecks, withinBound, HANG_BOUND_MS } from './lifecycle-cases.js';
export type { LifecycleCheck } from './lifecycle-cases.js';
export { fuzzBackend, fuzzCall } from './fuzz.js';
export type { FuzzCall, FuzzOptions, FuzzReport } from './fuzz.js';
export { guarded, snapshot, callArrays, weightArrays, expectOwnResult } from './ownership.js';
export type { SuiteOptions } from './suite.js';
