/**
 * @attnkit/core: attention types, semantics, validation, the backend contract, selection, the
 * transformer-encoder model spec and the weights format. No runtime dependencies.
 *
 * @packageDocumentation
 */
export {
  AttnkitError,
  ShapeError,
  OptionError,
  UnsupportedError,
  ModelError,
  NoBackendError,
  DisposedError,
  BackendError,
  AbortedError,
  SizeError,
  fmtShape,
  fmtBytes,
} from './errors.js';
export type { ErrorCode } from './errors.js';
export { expectSignal, throwIfAborted } from './abort.js';
export type { AbortSignalLike, CallOptions, ProgressOptions, ProgressSink } from './abort.js';
export { tensor, zeros, sizeOf } from './tensor.js';
export type { Tensor } from './tensor.js';
export { halfTensor, toFloat16, toFloat32, isHalf } from './half-tensor.js';
export type { AnyTensor, HalfTensor } from './half-tensor.js';
export { float16Bits, float32FromHalf, toHalfBits, fromHalfBits } from './half.js';
export { attentionMapStage, boolMask, biasMask } from './attention-options.js';
export type {
  AttentionOptions,
  AttentionResult,
  BoolMask,
  BiasMask,
  Mask,
  AttentionMapKind,
  AttentionMapStages,
  // oxlint-disable-next-line typescript/no-deprecated -- the former name stays importable
  WeightsKind,
  HeadCounts,
} from './attention-options.js';
export { prepareAttention, expectFiniteInputs } from './attention-problem.js';
export { resolveAttention, ATTENTION_OPTION_NAMES } from './attention-setup.js';
export type { AttentionSetup, AttentionShape, SetupLimits } from './attention-setup.js';
export { pack, unpack } from './layout.js';
export { additiveScore } from './additive-relevance.js';
export type { Relevance, AdditiveRelevance } from './additive-relevance.js';
export type { AttentionProblem, ResolvedMask, GraphAdjacency, PrepareChecks } from './attention-problem.js';
export { causalOffset, keyBand, blockBands, maskTerm, graphHas, hasElementTerms } from './attention-semantics.js';
export {
  capabilities,
  requiredFeatures,
  missingFeatures,
  describeMissing,
  exceededLimit,
  ALL_FEATURES,
} from './capabilities.js';
export type { Capabilities, Feature, DType } from './capabilities.js';
export { defineBackend } from './backend.js';
export type {
  Backend,
  BackendSettings,
  CompileOptions,
  BackendKernels,
  BackendPlugin,
  ProbeResult,
  AttentionOutput,
  Model,
  ModelOutput,
  CompiledModel,
  ModelRunOutput,
} from './backend.js';
export { defaultMaxBytes, platformMemory, expectMaxBytes, inputBytes } from './limits.js';
export type { MemoryModel, AttentionDims } from './limits.js';
export { SCORE_LIMIT } from './input-scan.js';
export type { InputSquares } from './input-scan.js';
export { createRegistry, formatReport } from './registry.js';
export type {
  BackendName,
  BackendOptionsByName,
  CreateOptionsByName,
  Registry,
  Selection,
  SelectionEntry,
  SelectionStatus,
  SelectOptions,
} from './registry.js';
export { resolveSpec, weightShapes } from './model-spec.js';
export { sinusoidTable, ropeTables, alibiSlopes } from './position-tables.js';
export { layerAttentionDims, layerAttentionOptions } from './layer-attention.js';
export type { RunLengths } from './layer-attention.js';
export { biasExtents, writeDenseBias, hasMasking } from './dense-bias.js';
export type {
  ModelSpec,
  ResolvedSpec,
  PositionalEncoding,
  LayerAttentionSpec,
  OutputSpec,
  InputSpec,
} from './model-spec.js';
export { MAX_VOCAB_SIZE } from './model-spec.js';
export { prepareModelRun } from './model-run.js';
export { embedTokens, graphVisibility } from './run-input.js';
export type { TokenTensor, RunGraph, RunGraphEdges, RunGraphOption } from './run-input.js';
export type { ModelRunOptions, ModelRunRequest } from './model-run.js';
export { validateWeights, initWeights, weightsMap, widenWeights } from './weights.js';
export type { Weights, ModelWeights, FloatModelWeights, HalfModelWeights } from './weights.js';
export { encodeSafetensors, decodeSafetensors, halfToFloat } from './safetensors.js';
export type { SafetensorsFile, DecodeSafetensorsOptions } from './safetensors.js';
export { seededRandom } from './random.js';
export type { Random } from './random.js';
export { isResident } from './resident.js';
export type { ResidentTensor, ResidentStats, ResidentOptions, ResidentStore, TensorInput } from './resident.js';
export { isKVCache } from './kv-cache.js';
export type { KVCache, KVCacheOptions } from './kv-cache.js';
export type {
  KernelInput,
  ResidentProblem,
  ResidentAttentionOutput,
  ResidentCallOptions,
} from './resident-attention.js';
