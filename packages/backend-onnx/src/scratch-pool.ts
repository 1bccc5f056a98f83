/**
 * A small pool of scratch arrays (the bias of the bias path), so a steady stream of calls does not fault in
 * fresh pages. It only ever holds arrays it handed out itself: a caller's array never enters it.
 */

/** Reuses large scratch arrays across calls, so a steady stream of calls does not fault in fresh pages. */
export class ScratchPool {
  private readonly free: ArrayBuffer[] = [];

  /**
   * @param keep buffers kept for reuse
   * @param maxBytes larger buffers are not kept
   */
  constructor(
    private readonly keep = 2,
    private readonly maxBytes = 128 * 2 ** 20,
  ) {}

  /** A Float32Array of `n` elements (contents undefined). */
  take(n: number): Float32Array {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.byteLength >= n * 4 && (best < 0 || b.byteLength < this.free[best]!.byteLength)) best = i;
    }
    const buffer = best >= 0 ? this.free.splice(best, 1)[0]! : new ArrayBuffer(n * 4);
    return new Float32Array(buffer, 0, n);
  }

  /** Returns an array from {@link take} once nothing reads it any more. */
  give(a: Float32Array): void {
    const b = a.buffer as ArrayBuffer;
    if (b.byteLength > this.maxBytes) return;
    this.free.push(b);
    if (this.free.length > this.keep) {
      // Keep the largest ones.
      this.free.sort((x, y) => y.byteLength - x.byteLength);
      this.free.length = this.keep;
    }
  }
}
