/**
 * The page of the browser test (bundled by bundle.ts): the backend's browser entry and the browser-safe
 * parts of the conformance suite. The Node side calls `window.attnkit.*` through the browser's protocol.
 */
import {
  attentionCases,
  float16Cases,
  badInputCases,
  modelCases,
  runCases,
  vectorCases,
  type CaseOutcome,
  type VectorFile,
} from '@attnkit/conformance';
import { createWebGpuBackend, plugin, type WebGpuBackendOptions, type WebGpuProbeResult } from '../index.js';
import { requestRecordedDevice } from '../test-device-request.js';

/** What a run reports back. */
export interface PageRun {
  readonly outcomes: CaseOutcome[];
  readonly uncaptured: string[];
  readonly info: Record<string, string | number | boolean>;
}

async function run(filter: string, vectors: VectorFile[], options: WebGpuBackendOptions = {}): Promise<PageRun> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('no adapter');
  const { device, uncaptured } = await requestRecordedDevice(adapter);
  const backend = await createWebGpuBackend({ ...options, device, checkErrors: true });
  const re = new RegExp(filter);
  const cases = [
    ...attentionCases(),
    ...float16Cases(),
    ...vectorCases(vectors),
    ...badInputCases(),
    ...modelCases(),
  ].filter((c) => re.test(c.id));
  const outcomes = await runCases(backend, cases);
  const info = { ...backend.info };
  await backend.dispose();
  device.destroy();
  return { outcomes, uncaptured, info };
}

const api = {
  probe: (): Promise<WebGpuProbeResult> => plugin.probe(),
  run,
};
(globalThis as unknown as { attnkit: typeof api }).attnkit = api;
document.title = 'attnkit ready';
