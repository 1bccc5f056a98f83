/**
 * The text example's claim, held: on the agreement grammar a bag of words stays near chance while the
 * attention encoder (trained on tfjs) is nearly always right, with the same predictions on every CPU
 * backend.
 */
import { describe, expect, it } from 'vitest';
import { onEveryBackend } from 'graph-attention/backends';
import { predictAgreement, trainAgreement } from './agreement-task.js';
import { bagOfWordsAccuracy, trainBagOfWords } from './bag-of-words.js';
import { sentences, VOCAB } from './grammar.js';

describe('the agreement grammar', () => {
  it('has as many singular as plural nouns in every sentence, and balanced labels', () => {
    const list = sentences(300, 5);
    const plural = new Set(['dogs', 'cats', 'birds', 'children', 'teachers', 'farmers']);
    const singular = new Set(['dog', 'cat', 'bird', 'child', 'teacher', 'farmer']);
    for (const s of list) {
      expect(s.words.filter((w) => plural.has(w)).length).toBe(s.words.filter((w) => singular.has(w)).length);
      expect(Array.from(s.ids, (id) => VOCAB[id])).toEqual(s.words);
    }
    const agree = list.filter((s) => s.label === 1).length;
    expect(agree).toBeGreaterThan(120);
    expect(agree).toBeLessThan(180);
  });
});

describe('attention against a bag of words', () => {
  it('the encoder reaches 95%, the bag of words stays below 60%', async () => {
    const train = sentences(1000, 1);
    const test = sentences(300, 2);
    expect(bagOfWordsAccuracy(trainBagOfWords(train), test)).toBeLessThan(0.6);
    const weights = await trainAgreement(train, { epochs: 10, batch: 16 });
    const runs = await onEveryBackend((b) => predictAgreement(b, weights, test), ['tfjs', 'ts', 'onnx']);
    let first: Int32Array | undefined;
    for (const r of runs) {
      if (!('result' in r)) continue;
      expect(r.result.accuracy).toBeGreaterThanOrEqual(0.95);
      first ??= r.result.predicted;
      expect(Array.from(r.result.predicted)).toEqual(Array.from(first));
    }
    expect(first).toBeDefined();
  });
});
