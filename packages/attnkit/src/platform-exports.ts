/**
 * What both entries (Node and browsers) export beside core: selection helpers and calibration types.
 */
export { forcedBackend } from './select.js';
export type { AttnkitSelectOptions, Device, PlatformPlugin } from './select.js';
export type { OptionalBackend } from './optional.js';
// Re-exported from backend-ts, which also loads its entry of core's BackendOptionsByName for every user
// (`createOptions.ts` typed).
export type { TsBackendOptions } from '@attnkit/backend-ts';
export { shapeClass, storageCache, MAX_CALIBRATION_MS } from './calibrate.js';
export type {
  CalibrateOptions,
  CalibratedSelection,
  Calibration,
  CalibrationCache,
  CalibrationRecord,
  CalibrationShape,
  KeyValueStorage,
} from './calibrate.js';
export { softwareAdapter } from './rank.js';
