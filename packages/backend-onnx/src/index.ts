/**
 * @attnkit/backend-onnx: attention and transformer encoders on ONNX Runtime (`onnxruntime-node`).
 *
 * @packageDocumentation
 */
export { plugin, createOnnxBackend, onnxCapabilities } from './onnx-backend.js';
export type { OnnxBackendOptions } from './runtime.js';
export { toOnnx } from './to-onnx.js';
