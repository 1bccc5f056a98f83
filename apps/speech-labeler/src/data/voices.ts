/**
 * Which synthesizer voices each data split uses. The held-out espeak variants and the festival voice
 * `ked` never appear in training.
 */

/** espeak-ng English accents. */
export const ESPEAK_LANGUAGES = [
  'en-us',
  'en',
  'en-gb-x-rp',
  'en-gb-scotland',
  'en-029',
  'en-us-nyc',
  'en-gb-x-gbclan',
  'en-gb-x-gbcwmd',
] as const;

/** espeak-ng voice variants (timbre, pitch, synthesis method) used for training. */
export const ESPEAK_TRAIN_VARIANTS = [
  'm1',
  'm2',
  'm3',
  'm5',
  'm6',
  'm8',
  'f1',
  'f2',
  'f4',
  'klatt',
  'klatt2',
  'klatt3',
  'klatt5',
  'Andy',
  'Annie',
  'Denis',
  'Gene',
  'Lee',
  'Michael',
  'adam',
  'anika',
  'belinda',
  'benjamin',
  'caleb',
  'david',
  'edward',
  'linda',
  'max',
  'norbert',
  'paul',
  'rob',
  'steph',
  'travis',
] as const;

/** espeak-ng voice variants kept out of training, for the held-out evaluation. */
export const ESPEAK_HELDOUT_VARIANTS = [
  'm4',
  'm7',
  'f3',
  'f5',
  'klatt4',
  'klatt6',
  'Alex',
  'Jacky',
  'Mike',
  'ian',
  'john',
  'quincy',
  'robert',
  'victor',
  'zac',
] as const;

/** Festival voices used for training. */
export const FESTIVAL_TRAIN_VOICES = ['kal', 'slt'] as const;

/** The festival voice never used in training. */
export const FESTIVAL_UNSEEN_VOICE = 'ked';

/** A data split: which voices and which texts. */
export interface SplitSpec {
  readonly espeakVariants: readonly string[];
  readonly festivalVoices: readonly string[];
  /** Fraction of utterances from festival (when it is installed). */
  readonly festivalShare: number;
  readonly texts: 'train' | 'heldout';
}

/** The splits the generator knows. */
export const SPLITS: Readonly<Record<string, SplitSpec>> = {
  train: {
    espeakVariants: ESPEAK_TRAIN_VARIANTS,
    festivalVoices: FESTIVAL_TRAIN_VOICES,
    festivalShare: 0.4,
    texts: 'train',
  },
  /** Held-out espeak voices and held-out texts: the synthesizer seen in training, the voices not. */
  heldout: { espeakVariants: ESPEAK_HELDOUT_VARIANTS, festivalVoices: [], festivalShare: 0, texts: 'heldout' },
  /** The training festival voices on held-out texts. */
  'festival-seen': { espeakVariants: [], festivalVoices: FESTIVAL_TRAIN_VOICES, festivalShare: 1, texts: 'heldout' },
  /** A voice never seen in training (festival ked), held-out texts. */
  unseen: { espeakVariants: [], festivalVoices: [FESTIVAL_UNSEEN_VOICE], festivalShare: 1, texts: 'heldout' },
};
