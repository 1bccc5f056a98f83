/**
 * The baseline: logistic regression on word counts (a bag of words: the words of a sentence without their
 * order), trained by full-batch gradient descent. Word pairs are not features, only words.
 */
import { VOCAB, type Sentence } from './grammar.js';

/** A trained bag-of-words classifier. */
export interface BagOfWords {
  readonly weights: Float64Array;
  readonly bias: number;
}

function counts(s: Sentence): Float64Array {
  const x = new Float64Array(VOCAB.length);
  for (const id of s.ids) x[id]!++;
  return x;
}

/** Trains on `train` (`steps` of gradient descent on the mean logistic loss). */
export function trainBagOfWords(train: readonly Sentence[], steps = 400, rate = 0.5): BagOfWords {
  const X = train.map(counts);
  const w = new Float64Array(VOCAB.length);
  let b = 0;
  for (let t = 0; t < steps; t++) {
    const gw = new Float64Array(VOCAB.length);
    let gb = 0;
    X.forEach((x, n) => {
      let z = b;
      for (let i = 0; i < x.length; i++) z += w[i]! * x[i]!;
      const err = 1 / (1 + Math.exp(-z)) - train[n]!.label;
      for (let i = 0; i < x.length; i++) gw[i]! += err * x[i]!;
      gb += err;
    });
    for (let i = 0; i < w.length; i++) w[i]! -= (rate * gw[i]!) / X.length;
    b -= (rate * gb) / X.length;
  }
  return { weights: w, bias: b };
}

/** Fraction of `test` the classifier labels right. */
export function bagOfWordsAccuracy(m: BagOfWords, test: readonly Sentence[]): number {
  let right = 0;
  for (const s of test) {
    const x = counts(s);
    let z = m.bias;
    for (let i = 0; i < x.length; i++) z += m.weights[i]! * x[i]!;
    if ((z > 0 ? 1 : 0) === s.label) right++;
  }
  return right / test.length;
}
