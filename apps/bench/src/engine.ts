/**
 * What the runner measures: an engine is an attnkit backend (through its plugin) or a peer (the engine a
 * user would call directly, without attnkit). Each is described by a light {@link EngineDescriptor} that
 * loads its implementation only when a case runs, so a missing or broken package skips that engine with
 * its reason and nothing else.
 *
 * "Engine" here is a benchmark subject. `@attnkit/backend-tfjs` uses the word for the TensorFlow.js
 * backend it runs on (`wasm`, `cpu`); in the bench that choice is part of an engine (`tfjs-wasm`).
 */
import type { BenchCase } from './cases.js';
import type { CaseInputs } from './inputs.js';

/** Facts an engine reports about itself (versions, threads, adapter). */
export type EngineInfo = Readonly<Record<string, string | number | boolean>>;

/** Outcome of an engine's probe. */
export interface EngineProbe {
  readonly available: boolean;
  /** Why it is unavailable, or what was found. */
  readonly reason?: string;
  readonly info?: EngineInfo;
}

/** A case made ready to run: `run` is what is timed, and returns the output. */
export interface PreparedCase {
  run(): Promise<Float32Array>;
  /** Called before every run, untimed: puts the state a run starts from back (a decode case's cache). */
  reset?(): Promise<void>;
  dispose(): Promise<void>;
}

/** A loaded engine, ready to prepare cases. */
export interface EngineSession {
  readonly info: EngineInfo;
  /** Why this engine cannot run the case, or `undefined` when it can. */
  unsupported(c: BenchCase): string | undefined;
  prepare(c: BenchCase, inputs: CaseInputs): Promise<PreparedCase>;
  dispose(): Promise<void>;
}

/** An engine implementation. */
export interface Engine {
  probe(): Promise<EngineProbe>;
  open(): Promise<EngineSession>;
}

/** Where an engine runs. */
export type Platform = 'node' | 'browser';

/** A light description of an engine; `load` imports its implementation. */
export interface EngineDescriptor {
  /** Used by `--backend` and in the results: e.g. `ts`, `onnx`, `ort-matmul`. */
  readonly id: string;
  /** `attnkit`: a backend used through attnkit; `peer`: the engine called directly. */
  readonly kind: 'attnkit' | 'peer';
  /** One line: what runs and how. */
  readonly description: string;
  /**
   * Bytes the engine is known to need beyond its inputs (e.g. a materialised score matrix), to skip
   * cases that would not fit; `undefined` when unknown.
   */
  readonly estimateBytes?: (c: BenchCase) => number | undefined;
  load(): Promise<Engine>;
}

/** The error message of anything thrown. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0]!;
  return String(e);
}
