/**
 * What both entries (Node and browsers) export beside core: selection helpers and calibration types.
 */
export { forcedBackend } from './select.js';
export type { AttnkitSelectOptions, PlatformPlugin } from './select.js';
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
