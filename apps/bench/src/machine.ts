/**
 * The description of this machine written into every results file (Node).
 */
import os from 'node:os';
import type { EngineEntry, MachineInfo } from './results.js';

/**
 * Describes the machine. WebGPU adapters are taken from the probes of the engines (the WebGPU backend's
 * probe names its adapter).
 */
export function describeMachine(engines: readonly EngineEntry[], nodeFlags: readonly string[] = []): MachineInfo {
  const cpus = os.cpus();
  const adapters = engines.filter((e) => e.id === 'webgpu' && e.available && e.reason).map((e) => e.reason!);
  return {
    platform: process.platform,
    arch: process.arch,
    os: `${os.type()} ${os.release()}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    adapters,
    ...(nodeFlags.length > 0 ? { nodeFlags: [...nodeFlags] } : {}),
  };
}
