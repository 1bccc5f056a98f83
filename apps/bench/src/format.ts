/**
 * Number formats shared by the command line and the dashboard.
 */
import type { MachineInfo } from './results.js';

/** `0.123 ms`, `1.23 ms`, `12.3 ms`, `123 ms`, `1.23 s`. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10000 ? 1 : 2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

/** Three significant digits at most: `57.1`, `2.55`, `0.271`. */
export function fmtRate(x: number): string {
  if (!Number.isFinite(x)) return '–';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

/** A ratio to the fastest peer: `1.00×`, `0.52×`, `12×`. */
export function fmtRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×`;
}

/** Bytes as MiB: `123 MiB`. */
export function fmtMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes >= 10 * 2 ** 20 ? 0 : 1)} MiB`;
}

/** One line: `AMD EPYC 7B13, 2 cores, 24.0 GiB, Node v20.20.2, linux x64`. */
export function formatMachine(m: MachineInfo): string {
  const parts = [m.cpu, `${m.cores} cores`, `${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB`];
  if (m.node) parts.push(`Node ${m.node}${m.nodeFlags?.length ? ` ${m.nodeFlags.join(' ')}` : ''}`);
  if (m.userAgent) parts.push(m.userAgent);
  parts.push(`${m.platform} ${m.arch}`);
  if (m.adapters.length > 0) parts.push(`WebGPU: ${m.adapters.join('; ')}`);
  return parts.join(', ');
}
