/**
 * Phone symbols of the synthesizers to the 8 broad classes: espeak-ng's IPA phoneme names and the
 * festival "radio" phone set (CMU ARPAbet in lower case).
 *
 * Affricates count as fricatives (their release is frication); the flap `ɾ` and the glottal stop `ʔ` are
 * stops; `h` is an unvoiced fricative; r-coloured vowels are vowels; syllabic `l̩ n̩ m̩` keep their consonant class.
 */
import type { PhoneClass } from './classes.js';

const CONSONANTS: Record<string, PhoneClass> = {
  p: 'unvoiced_stop',
  t: 'unvoiced_stop',
  k: 'unvoiced_stop',
  ʔ: 'unvoiced_stop',
  b: 'voiced_stop',
  d: 'voiced_stop',
  ɡ: 'voiced_stop',
  g: 'voiced_stop',
  ɾ: 'voiced_stop',
  f: 'unvoiced_fricative',
  θ: 'unvoiced_fricative',
  s: 'unvoiced_fricative',
  ʃ: 'unvoiced_fricative',
  h: 'unvoiced_fricative',
  x: 'unvoiced_fricative',
  ç: 'unvoiced_fricative',
  tʃ: 'unvoiced_fricative',
  ʍ: 'unvoiced_fricative',
  v: 'voiced_fricative',
  ð: 'voiced_fricative',
  z: 'voiced_fricative',
  ʒ: 'voiced_fricative',
  dʒ: 'voiced_fricative',
  ɦ: 'voiced_fricative',
  m: 'nasal',
  n: 'nasal',
  ŋ: 'nasal',
  ɲ: 'nasal',
  l: 'approximant',
  ɫ: 'approximant',
  ɹ: 'approximant',
  r: 'approximant',
  w: 'approximant',
  j: 'approximant',
  ʋ: 'approximant',
  ɻ: 'approximant',
};

const VOWEL_CHARS = new Set('aeiouyæɐɑɒɔəɘɚɛɜɝɞɤɨɪʉʊʌʏøœɵᵻɯɶ');
// The combining marks come first, escaped, so that none of them seems to belong to the character before it.
const MODIFIERS = /[\u0329\u032F\u0303\u0306\u0361\u032A\u0325\u032Cˈˌːˑ‿ʰʲʷ˞-]/g;

/**
 * Class of an espeak-ng phoneme (IPA, as in its phoneme events), or `undefined` for an unknown symbol.
 * Pauses (`_`, `_:`, empty) are `sil`.
 */
export function espeakClass(phoneme: string): PhoneClass | undefined {
  const p = phoneme.replace(MODIFIERS, '').trim();
  if (p === '' || /^_[_:]*$/.test(p)) return 'sil';
  if (CONSONANTS[p]) return CONSONANTS[p];
  if (VOWEL_CHARS.has(p[0]!)) return 'vowel';
  // A consonant cluster written as one phoneme (e.g. "ts"): its first sound decides.
  return CONSONANTS[p[0]!];
}

const FESTIVAL: Record<string, PhoneClass> = {
  pau: 'sil',
  'h#': 'sil',
  brth: 'sil',
  sil: 'sil',
  aa: 'vowel',
  ae: 'vowel',
  ah: 'vowel',
  ao: 'vowel',
  aw: 'vowel',
  ax: 'vowel',
  axr: 'vowel',
  ay: 'vowel',
  eh: 'vowel',
  er: 'vowel',
  ey: 'vowel',
  ih: 'vowel',
  ix: 'vowel',
  iy: 'vowel',
  ow: 'vowel',
  oy: 'vowel',
  uh: 'vowel',
  uw: 'vowel',
  l: 'approximant',
  el: 'approximant',
  r: 'approximant',
  w: 'approximant',
  y: 'approximant',
  m: 'nasal',
  em: 'nasal',
  n: 'nasal',
  en: 'nasal',
  ng: 'nasal',
  v: 'voiced_fricative',
  dh: 'voiced_fricative',
  z: 'voiced_fricative',
  zh: 'voiced_fricative',
  jh: 'voiced_fricative',
  f: 'unvoiced_fricative',
  th: 'unvoiced_fricative',
  s: 'unvoiced_fricative',
  sh: 'unvoiced_fricative',
  ch: 'unvoiced_fricative',
  hh: 'unvoiced_fricative',
  b: 'voiced_stop',
  d: 'voiced_stop',
  g: 'voiced_stop',
  dx: 'voiced_stop',
  p: 'unvoiced_stop',
  t: 'unvoiced_stop',
  k: 'unvoiced_stop',
};

/** Class of a festival (radio / ARPAbet) phone, or `undefined` for an unknown one. */
export function festivalClass(phone: string): PhoneClass | undefined {
  return FESTIVAL[phone.toLowerCase()];
}
