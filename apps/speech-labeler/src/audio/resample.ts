/**
 * Streaming sample-rate conversion by a rational factor L/M (polyphase windowed sinc, Blackman window,
 * cut-off at 0.95 of the lower Nyquist frequency). Output sample n sits at input time n·M/L, so a
 * conversion keeps time alignment: the label times of the input hold for the output.
 */

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

const ZERO_CROSSINGS = 10;

/**
 * Converts a stream of blocks from `fromRate` to `toRate`. Feed blocks with {@link push}, finish with
 * {@link flush}; the total output is `ceil(inputLength · toRate / fromRate)` samples.
 *
 * @example
 * ```ts
 * const r = new Resampler(44100, 16000);
 * const out = [...r.push(block1), ...r.push(block2), ...r.flush()];
 * ```
 */
export class Resampler {
  readonly up: number;
  readonly down: number;
  private readonly half: number;
  private readonly taps: number;
  /** Filter of each phase p = (n·M) mod L, `taps` coefficients each. */
  private readonly table: Float32Array;
  private buf = new Float32Array(0);
  /** Absolute input index of `buf[0]`. */
  private bufStart = 0;
  private received = 0;
  private next = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    if (!(fromRate > 0 && toRate > 0 && Number.isInteger(fromRate) && Number.isInteger(toRate))) {
      throw new RangeError(`Resampler: rates must be positive integers, got ${fromRate} -> ${toRate}`);
    }
    const g = gcd(fromRate, toRate);
    this.up = toRate / g;
    this.down = fromRate / g;
    // Cut-off in cycles per input sample.
    const fc = 0.5 * Math.min(1, this.up / this.down) * 0.95;
    this.half = Math.ceil(ZERO_CROSSINGS / (2 * fc));
    this.taps = 2 * this.half;
    this.table = new Float32Array(this.up * this.taps);
    for (let p = 0; p < this.up; p++) {
      const frac = p / this.up;
      for (let k = 0; k < this.taps; k++) {
        // input j = floor(t) - half + 1 + k, at distance tau = t - j
        const tau = frac + this.half - 1 - k;
        const x = 2 * fc * tau;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        const w =
          Math.abs(tau) >= this.half
            ? 0
            : 0.42 + 0.5 * Math.cos((Math.PI * tau) / this.half) + 0.08 * Math.cos((2 * Math.PI * tau) / this.half);
        this.table[p * this.taps + k] = 2 * fc * sinc * w;
      }
    }
  }

  /** True when no conversion is needed. */
  get identity(): boolean {
    return this.up === this.down;
  }

  /** Adds input samples; returns the output samples that are now complete. */
  push(block: Float32Array): Float32Array {
    if (this.identity) {
      this.received += block.length;
      return block;
    }
    const merged = new Float32Array(this.buf.length + block.length);
    merged.set(this.buf);
    merged.set(block, this.buf.length);
    this.buf = merged;
    this.received += block.length;
    return this.produce(this.received - this.half);
  }

  /** Ends the stream (zeros after the last sample) and returns the remaining output. */
  flush(): Float32Array {
    if (this.identity) return new Float32Array(0);
    const total = Math.ceil((this.received * this.up) / this.down);
    const pad = new Float32Array(this.buf.length + this.taps + 1);
    pad.set(this.buf);
    this.buf = pad;
    return this.produce(Infinity, total);
  }

  /** Outputs every n with floor(n·M/L) < `limit` (its last input tap is available), up to `total`. */
  private produce(limit: number, total = Infinity): Float32Array {
    const { up, down, taps, half, table } = this;
    const lastByLimit = limit === Infinity ? Infinity : Math.ceil((limit * up) / down);
    const end = Math.min(total, lastByLimit);
    const count = Math.max(0, end - this.next);
    const out = new Float32Array(count);
    const buf = this.buf,
      start = this.bufStart;
    for (let o = 0; o < count; o++) {
      const n = this.next + o;
      const num = n * down;
      const i = Math.floor(num / up);
      const p = num - i * up;
      const j0 = i - half + 1 - start;
      const row = p * taps;
      let acc = 0;
      for (let k = 0; k < taps; k++) {
        const j = j0 + k;
        if (j >= 0) acc += buf[j]! * table[row + k]!;
      }
      out[o] = acc;
    }
    this.next += count;
    // Drop input that no later output needs.
    const keepFrom = Math.max(0, Math.floor((this.next * down) / up) - half + 1 - start);
    if (keepFrom > 0 && keepFrom < buf.length) {
      this.buf = buf.slice(keepFrom);
      this.bufStart += keepFrom;
    }
    return out;
  }
}
