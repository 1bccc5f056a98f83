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

/**
 * Every espeak-ng voice variant of the WebAssembly build (timbre, pitch, synthesis method), less the
 * held-out ones and the two whispering variants (`whisper`, `whisperf`: without voicing, a voiced class
 * cannot be heard). All are used for training.
 */
export const ESPEAK_TRAIN_VARIANTS = [
  'Alicia',
  'Andrea',
  'Andy',
  'Annie',
  'AnxiousAndy',
  'Demonic',
  'Denis',
  'Diogo',
  'Gene',
  'Gene2',
  'Henrique',
  'Hugo',
  'Lee',
  'Marco',
  'Mario',
  'Michael',
  'Mr',
  'Nguyen',
  'Reed',
  'RicishayMax',
  'RicishayMax2',
  'RicishayMax3',
  'Storm',
  'Tweaky',
  'UniRobot',
  'adam',
  'anika',
  'anikaRobot',
  'announcer',
  'antonio',
  'aunty',
  'belinda',
  'benjamin',
  'boris',
  'caleb',
  'croak',
  'david',
  'ed',
  'edward',
  'edward2',
  'f1',
  'f2',
  'f4',
  'fast',
  'grandma',
  'grandpa',
  'gustave',
  'iven',
  'iven2',
  'iven3',
  'iven4',
  'kaukovalta',
  'klatt',
  'klatt2',
  'klatt3',
  'klatt5',
  'linda',
  'm1',
  'm2',
  'm3',
  'm5',
  'm6',
  'm8',
  'marcelo',
  'max',
  'michel',
  'miguel',
  'mike2',
  'norbert',
  'pablo',
  'paul',
  'pedro',
  'rob',
  'robosoft',
  'robosoft2',
  'robosoft3',
  'robosoft4',
  'robosoft5',
  'robosoft6',
  'robosoft7',
  'robosoft8',
  'sandro',
  'shelby',
  'steph',
  'steph2',
  'steph3',
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

/**
 * Festival voices of other languages (Italian, Catalan, Russian, Finnish), each from a real speaker, used
 * for training: the English synthesizers here have few real speakers, and the 8 classes are the same
 * sounds in these languages.
 */
export const FESTIVAL_WORLD_VOICES = ['it_lp', 'it_pc', 'ca_ona', 'ru_nsh', 'fi_lj', 'fi_mv'] as const;

/** The festival voice never used in training. */
export const FESTIVAL_UNSEEN_VOICE = 'ked';

/** Flite voices used for training. */
export const FLITE_TRAIN_VOICES = ['awb', 'slt', 'kal16'] as const;

/** The flite voice never used in training: `rms`, a US male clustergen voice. */
export const FLITE_UNSEEN_VOICE = 'rms';

/** A data split: which voices and which texts. */
export interface SplitSpec {
  readonly espeakVariants: readonly string[];
  readonly festivalVoices: readonly string[];
  /** Fraction of utterances from festival (when it is installed). */
  readonly festivalShare: number;
  /** Flite voices; a split with any takes every utterance from them (flite is then required). */
  readonly fliteVoices?: readonly string[];
  readonly texts: 'train' | 'heldout';
  /** Fraction of recordings without speech (low-level noise, every frame \`sil\`). */
  readonly noiseShare?: number;
}

/** The splits the generator knows. */
export const SPLITS: Readonly<Record<string, SplitSpec>> = {
  train: {
    espeakVariants: ESPEAK_TRAIN_VARIANTS,
    festivalVoices: FESTIVAL_TRAIN_VOICES,
    festivalShare: 0.35,
    texts: 'train',
    noiseShare: 0.04,
  },
  /** Held-out espeak voices and held-out texts: the synthesizer seen in training, the voices not. */
  heldout: { espeakVariants: ESPEAK_HELDOUT_VARIANTS, festivalVoices: [], festivalShare: 0, texts: 'heldout' },
  /** The training festival voices on held-out texts. */
  'festival-seen': { espeakVariants: [], festivalVoices: FESTIVAL_TRAIN_VOICES, festivalShare: 1, texts: 'heldout' },
  /** A voice never seen in training (festival ked), held-out texts. */
  unseen: { espeakVariants: [], festivalVoices: [FESTIVAL_UNSEEN_VOICE], festivalShare: 1, texts: 'heldout' },
  /** The flite training voices on training texts, a second training directory. */
  'train-flite': {
    espeakVariants: [],
    festivalVoices: [],
    festivalShare: 0,
    fliteVoices: FLITE_TRAIN_VOICES,
    texts: 'train',
    noiseShare: 0.02,
  },
  /** The training festival voices again, on training texts: more of the synthesizer whose labels `ked` shares. */
  'train-festival': {
    espeakVariants: [],
    festivalVoices: FESTIVAL_TRAIN_VOICES,
    festivalShare: 1,
    texts: 'train',
    noiseShare: 0.02,
  },
  /** The festival voices of other languages, each speaking its own language (a third training directory). */
  'train-world': {
    espeakVariants: [],
    festivalVoices: FESTIVAL_WORLD_VOICES,
    festivalShare: 1,
    texts: 'train',
    noiseShare: 0.02,
  },
  /** A second voice never seen in training (flite rms), held-out texts. */
  'unseen-flite': {
    espeakVariants: [],
    festivalVoices: [],
    festivalShare: 0,
    fliteVoices: [FLITE_UNSEEN_VOICE],
    texts: 'heldout',
  },
};
