/** The 8 broad phone classes a frame gets, and their folding to 4. */

/** The 8 classes, in the model's output order. */
export const CLASSES = [
  'sil',
  'vowel',
  'approximant',
  'nasal',
  'voiced_fricative',
  'unvoiced_fricative',
  'voiced_stop',
  'unvoiced_stop',
] as const;

/** One of the 8 broad phone classes. */
export type PhoneClass = (typeof CLASSES)[number];

/** The 4 folded classes. */
export const FOLDED = ['silence', 'vowel', 'voiced_consonant', 'unvoiced_consonant'] as const;

/** One of the 4 folded classes. */
export type FoldedClass = (typeof FOLDED)[number];

const FOLD: Record<PhoneClass, FoldedClass> = {
  sil: 'silence',
  vowel: 'vowel',
  approximant: 'voiced_consonant',
  nasal: 'voiced_consonant',
  voiced_fricative: 'voiced_consonant',
  voiced_stop: 'voiced_consonant',
  unvoiced_fricative: 'unvoiced_consonant',
  unvoiced_stop: 'unvoiced_consonant',
};

/** Folds an 8-class label to the 4 classes (silence, vowel, voiced consonant, unvoiced consonant). */
export function fold(label: PhoneClass): FoldedClass {
  return FOLD[label];
}

/** Index of each folded class, by 8-class index. */
export const FOLD_INDEX: readonly number[] = CLASSES.map((c) => FOLDED.indexOf(FOLD[c]));

/** True when `s` names one of the 8 classes. */
export function isPhoneClass(s: unknown): s is PhoneClass {
  return typeof s === 'string' && (CLASSES as readonly string[]).includes(s);
}

/** Index of a class in {@link CLASSES}. */
export function classIndex(label: PhoneClass): number {
  return CLASSES.indexOf(label);
}
