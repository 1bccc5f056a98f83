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

/**
 * Festival's phone sets of other languages, by the name the voice's phone set gives itself. Written out
 * by hand from each set's `PhoneSet.description`, not derived from its features: the Catalan set's `cvox`
 * is the wrong way round (`p` voiced, `b` not), and the Czech set has no consonant type at all. The same
 * conventions as above: affricates are fricatives, semivowels (`j`, `w`) and laterals and rhotics
 * approximants (a trilled or tapped `r` too); Finnish `v` is the approximant [ʋ]; a long (`:`) or
 * palatalised (doubled, Russian) phone keeps its class.
 */
const FESTIVAL_SETS: Record<string, Record<string, PhoneClass>> = {
  italian: classes({
    sil: '#',
    vowel: 'i e E a o O u i1 e1 E1 a1 o1 O1 u1',
    approximant: 'j w l L r',
    nasal: 'm n J ng nf',
    voiced_fricative: 'v z Z dz dZ',
    unvoiced_fricative: 'f s S ts tS',
    voiced_stop: 'b d g',
    unvoiced_stop: 'p t k',
  }),
  'upc_catalan-central': classes({
    sil: 'pau _ #',
    vowel: 'ax a a1 e e1 E E1 i i1 o o1 O O1 u u1',
    approximant: 'j w l L r rr',
    nasal: 'm n J',
    voiced_fricative: 'z Z',
    unvoiced_fricative: 'f s S',
    voiced_stop: 'b d g',
    unvoiced_stop: 'p t k',
  }),
  msu_ru: classes({
    sil: 'pau',
    vowel: 'ii yy uu ee oo aa a e i y u ae ay ur',
    approximant: 'l ll r rr j',
    nasal: 'm mm n nn',
    voiced_fricative: 'v vv z zz zh',
    unvoiced_fricative: 'f ff s ss sh sch h hh c ch',
    voiced_stop: 'b bb d dd g gg',
    unvoiced_stop: 'p pp t tt k kk',
  }),
  finnish: classes({
    sil: '# ##',
    vowel: 'a e i o u y @ 7 &',
    approximant: 'l L r j w v',
    nasal: 'm n N',
    voiced_fricative: 'D z Z',
    unvoiced_fricative: 'f T s S h',
    voiced_stop: 'b d g',
    unvoiced_stop: 'p t k',
  }),
};

function classes(lists: Record<PhoneClass, string>): Record<string, PhoneClass> {
  const out: Record<string, PhoneClass> = {};
  for (const [c, list] of Object.entries(lists) as [PhoneClass, string][]) for (const p of list.split(' ')) out[p] = c;
  return out;
}

/**
 * Class of a festival phone of the phone set `set` (default `radio`, the US English set: ARPAbet in lower
 * case), or `undefined` for an unknown phone or set. Finnish long phones (`a:`, `t:`) take their short
 * phone's class.
 */
export function festivalClass(phone: string, set = 'radio'): PhoneClass | undefined {
  if (set === 'radio') return FESTIVAL[phone.toLowerCase()];
  const map = FESTIVAL_SETS[set];
  if (!map) return undefined;
  return map[phone] ?? (set === 'finnish' && phone.endsWith(':') ? map[phone.slice(0, -1)] : undefined);
}
