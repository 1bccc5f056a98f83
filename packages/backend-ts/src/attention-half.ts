/**
 * float16 attention calls on the WebAssembly SIMD kernels: float16 storage, float32 compute. The caller's
 * half bits of q, k and v are copied into the backend's memory as they are (2 bytes an element); a chunk of
 * key/value heads at a time (one head on the calling thread, one per worker thread on the pool) is
 * widened there by the SIMD conversion (exact) into float32 scratch holding that chunk's keys, values and
 * the query rows of its query heads; the float32 kernels run on the chunk; and the chunk's output is
 * narrowed there by the SIMD conversion (to nearest even, as core's `toHalfBits`) when the result is
 * float16, else written as float32. No float32 copy of a whole tensor exists at any time.
 *
 * Shape legend: B batch, Hq/Hkv heads (G = Hq / Hkv query heads per key/value head), Sq query length,
 * T key length, Dk/Dv head sizes; hk = b·Hkv + kvh indexes key/value heads over the batch.
 */
import type { AttentionDims, AttentionSetup } from '@attnkit/core';
import { BLOCK_Q, headsPerUnit, type Offsets } from './attention-wasm.js';

/** Elements of one chunk slot's float32 scratch, 16-aligned parts: G heads' queries and outputs, one head's keys and values. */
export function headScratchWords(
  d: Pick<AttentionDims, 'qHeads' | 'kvHeads' | 'qLength' | 'keyLength' | 'keyDim' | 'valueDim'>,
): number {
  const G = d.qHeads / d.kvHeads;
  return (
    align(G * d.qLength * d.keyDim) +
    align(d.keyLength * d.keyDim) +
    align(d.keyLength * d.valueDim) +
    align(G * d.qLength * d.valueDim)
  );
}

const align = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * Bytes a float16 call adds on this backend: the halves of q, k and v in its memory (2 bytes an element)
 * and the float32 scratch of `chunk` key/value heads.
 */
export function halfCallBytes(d: AttentionDims, chunk: number): number {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = d;
  const halves = 2 * (B * Hq * Sq * Dk + B * Hkv * T * (Dk + Dv));
  return halves + 4 * Math.min(chunk, B * Hkv) * headScratchWords(d);
}

/** Where one chunk's float32 scratch parts start (elements), from the chunk's block at `at` with `heads` slots. */
export function chunkLayout(
  d: AttentionSetup,
  at: number,
  heads: number,
): { q: number; k: number; v: number; o: number } {
  const G = d.group;
  const q = at,
    k = q + align(heads * G * d.qLength * d.keyDim),
    v = k + align(heads * d.keyLength * d.keyDim),
    o = v + align(heads * d.keyLength * d.valueDim);
  return { q, k, v, o };
}

/** The call's setup without its arrays, for the worker threads; reads no array of the problem. */
export function setupOnly(setup: AttentionSetup): AttentionSetup {
  const rest: Record<string, unknown> = {};
  const skip = new Set(['q', 'k', 'v', 'halves', 'keep']);
  for (const key of Object.keys(setup))
    if (!skip.has(key)) rest[key] = (setup as unknown as Record<string, unknown>)[key];
  return rest as unknown as AttentionSetup;
}

/**
 * Offsets for key/value heads `[hk0, …)` whose float32 data lies in a chunk's scratch: shifted so that the
 * kernels' addresses of those heads land there (the other heads' addresses are never formed). `oAt` is the
 * chunk's output scratch, or the call's float32 output block when `outAt` is given.
 */
export function chunkOffsets(
  setup: AttentionSetup,
  hk0: number,
  parts: { q: number; k: number; v: number; o: number },
  outAt?: number,
): Offsets {
  const { group: G, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = setup;
  return {
    qAt: parts.q - hk0 * G * Sq * Dk,
    kAt: parts.k - hk0 * T * Dk,
    vAt: parts.v - hk0 * T * Dv,
    oAt: outAt ?? parts.o - hk0 * G * Sq * Dv,
  };
}

/** The units of key/value heads `[hk0, hk1)`: consecutive, `[first, end)`. */
export function chunkUnits(setup: AttentionSetup, hk0: number, hk1: number): [number, number] {
  if (headsPerUnit(setup) > 1) return [hk0, hk1];
  const perHead = setup.group * Math.ceil(setup.qLength / BLOCK_Q);
  return [hk0 * perHead, hk1 * perHead];
}
