/** Frame-level scoring: a confusion matrix over the 8 classes, per-class accuracy, the 4-class folding. */
import { CLASSES, FOLDED, FOLD_INDEX } from '../labels/classes.js';

/** Counts `[reference][hypothesis]` over frames. */
export class Confusion {
  readonly counts: number[][];
  constructor(readonly names: readonly string[] = CLASSES) {
    this.counts = names.map(() => names.map(() => 0));
  }

  /** Adds frames; `ref` and `hyp` are class indices of equal length. */
  add(ref: ArrayLike<number>, hyp: ArrayLike<number>): void {
    if (ref.length !== hyp.length)
      throw new RangeError(`Confusion.add: ${ref.length} reference frames vs ${hyp.length} labelled`);
    for (let i = 0; i < ref.length; i++) this.counts[ref[i]!]![hyp[i]!]!++;
  }

  get total(): number {
    return this.counts.reduce((a, r) => a + r.reduce((x, y) => x + y, 0), 0);
  }

  /** Fraction of frames labelled correctly (NaN when empty). */
  get accuracy(): number {
    return this.counts.reduce((a, r, i) => a + r[i]!, 0) / this.total;
  }

  /** Recall of each reference class (NaN for a class with no frames). */
  perClass(): number[] {
    return this.counts.map((r, i) => r[i]! / r.reduce((a, b) => a + b, 0));
  }

  /** The same counts with the 8 classes folded to 4. */
  folded(): Confusion {
    const f = new Confusion(FOLDED);
    this.counts.forEach((r, i) => r.forEach((n, j) => (f.counts[FOLD_INDEX[i]!]![FOLD_INDEX[j]!]! += n)));
    return f;
  }

  /** Adds another matrix's counts. */
  merge(o: Confusion): void {
    o.counts.forEach((r, i) => r.forEach((n, j) => (this.counts[i]![j]! += n)));
  }

  /** Per-class accuracy and the matrix as aligned text (rows: reference, columns: labelled). */
  format(): string {
    const w = Math.max(...this.names.map((n) => n.length));
    const acc = this.perClass();
    const lines = ['per-class accuracy (frames of the class labelled correctly):'];
    this.names.forEach((n, i) => {
      const frames = this.counts[i]!.reduce((a, b) => a + b, 0);
      lines.push(`  ${n.padEnd(w)}  ${Number.isNaN(acc[i]) ? '   -  ' : acc[i]!.toFixed(4)}  (${frames} frames)`);
    });
    const short = this.names.map((n) => abbreviate(n));
    const cw = Math.max(7, ...short.map((s) => s.length), ...this.counts.flat().map((n) => String(n).length));
    lines.push('', `confusion matrix (rows: reference, columns: labelled):`);
    lines.push(`  ${''.padEnd(w)}  ${short.map((s) => s.padStart(cw)).join(' ')}`);
    this.names.forEach((n, i) =>
      lines.push(`  ${n.padEnd(w)}  ${this.counts[i]!.map((c) => String(c).padStart(cw)).join(' ')}`),
    );
    return lines.join('\n');
  }
}

function abbreviate(name: string): string {
  const map: Record<string, string> = {
    approximant: 'approx',
    voiced_fricative: 'v_fric',
    unvoiced_fricative: 'uv_fric',
    voiced_stop: 'v_stop',
    unvoiced_stop: 'uv_stop',
    voiced_consonant: 'v_cons',
    unvoiced_consonant: 'uv_cons',
    silence: 'sil',
  };
  return map[name] ?? name;
}
