/**
 * A synthetic grammar with agreement across a distance: `the <subject> <clauses> <verb>`, where the
 * clauses hold as many other nouns ("attractors") as it takes for the sentence to have exactly as many
 * singular nouns as plural ones. A sentence is grammatical (label 1) when the verb agrees in number with the
 * subject, the first noun; the attractors sit between them. Word counts alone carry no information about the
 * label (every sentence has the same number of singular and plural nouns, and either verb form is as
 * likely), so a bag-of-words model stays near chance; a model that attends from the verb back to the
 * subject's position can solve it.
 */
import { seededRandom, type Random } from '@attnkit/core';

const SINGULAR = ['dog', 'cat', 'bird', 'child', 'teacher', 'farmer'];
const PLURAL = ['dogs', 'cats', 'birds', 'children', 'teachers', 'farmers'];
const VERB_SG = ['runs', 'sleeps', 'sings', 'waits'];
const VERB_PL = ['run', 'sleep', 'sing', 'wait'];
const ADJECTIVES = ['old', 'small', 'happy', 'red'];
const LINKS = ['near', 'with', 'behind'];

/** The vocabulary; a word's index is its token id. */
export const VOCAB: readonly string[] = [
  'the',
  'that',
  'saw',
  ...LINKS,
  ...ADJECTIVES,
  ...SINGULAR,
  ...PLURAL,
  ...VERB_SG,
  ...VERB_PL,
];
const ID = new Map(VOCAB.map((w, i) => [w, i]));

/** One sentence: its words, token ids and label. */
export interface Sentence {
  readonly words: readonly string[];
  readonly ids: Int32Array;
  /** 1 = the verb agrees with the subject. */
  readonly label: number;
}

/** Longest sentence the generator makes (batches are padded to it). */
export const MAX_WORDS = 24;

function pick<T>(r: Random, list: readonly T[]): T {
  return list[r.int(0, list.length - 1)]!;
}

function sentence(r: Random): Sentence {
  const pairs = r.int(1, 3);
  const subjectPlural = r.next() < 0.5;
  // pairs singular and pairs plural nouns in all: the subject is one of them, the others are attractors.
  const attractors: boolean[] = [];
  for (let i = 0; i < pairs; i++) attractors.push(false, true);
  attractors.splice(attractors.indexOf(subjectPlural), 1);
  for (let i = attractors.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [attractors[i], attractors[j]] = [attractors[j]!, attractors[i]!];
  }
  const noun = (plural: boolean): string => pick(r, plural ? PLURAL : SINGULAR);
  const words = ['the', noun(subjectPlural)];
  for (const plural of attractors) {
    const kind = r.int(0, 2);
    if (kind === 0) words.push('that', 'saw', 'the', noun(plural));
    else if (kind === 1) words.push(pick(r, LINKS), 'the', noun(plural));
    else words.push(pick(r, LINKS), 'the', pick(r, ADJECTIVES), noun(plural));
  }
  const label = r.next() < 0.5 ? 1 : 0;
  const verbPlural = label === 1 ? subjectPlural : !subjectPlural;
  words.push(pick(r, verbPlural ? VERB_PL : VERB_SG));
  return { words, ids: Int32Array.from(words, (w) => ID.get(w)!), label };
}

/** `count` seeded sentences. */
export function sentences(count: number, seed: number): Sentence[] {
  const r = seededRandom(seed);
  return Array.from({ length: count }, () => sentence(r));
}

/** A batch as a model run: ids `[B, S]` padded to the longest sentence, lengths, labels. */
export function sentenceBatch(list: readonly Sentence[]): {
  input: { shape: number[]; data: Int32Array };
  lengths: Int32Array;
  labels: Int32Array;
} {
  const S = Math.max(...list.map((s) => s.ids.length));
  const ids = new Int32Array(list.length * S);
  list.forEach((s, b) => ids.set(s.ids, b * S));
  return {
    input: { shape: [list.length, S], data: ids },
    lengths: Int32Array.from(list, (s) => s.ids.length),
    labels: Int32Array.from(list, (s) => s.label),
  };
}
