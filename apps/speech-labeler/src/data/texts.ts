/**
 * Seeded English sentences for the synthesizers: simple templates over a vocabulary with every broad
 * phone class in many contexts. A fixed part of the vocabulary (every fifth word of each list) appears
 * only in held-out sentences, so held-out texts contain words never heard in training.
 */
import { seededRandom, type Random } from '@attnkit/core';

const NOUNS = `
apple baby bag ball bank basket bath beach bear bed bell bicycle bird boat book bottle box boy bread bridge
brother bus butter cake camera candle car card carpet castle cat chair cheese chicken child church city
clock cloud coat coffee computer corner cousin cow cup daughter desk doctor dog dollar door dragon dream
dress driver drum duck egg elephant engine evening face farm farmer father feather fence field finger fire
fish flag floor flower forest fox friend frog garden gate gift girl glass glove goat gold grass guitar hammer
hand hat head heart hill horse house island jacket jar jungle kettle key king kitchen kite knife ladder lake
lamp lawyer leaf lemon letter library lion machine magazine map market meadow message milk mirror monkey
moon morning mother mountain mouse music needle nest newspaper night nurse ocean office onion orange owl
painter paper park pencil pepper piano picture pillow pilot pizza plane planet plate pocket poet potato
prince queen rabbit radio rain river road robot rock roof rose sailor salad sand school scissors sea
shadow sheep shell ship shirt shoe shop singer sister sky snake snow soldier song soup spider spoon star
station stone storm street student sugar summer sun supper table teacher telephone tiger tomato tooth
tower town train treasure tree truck tunnel turtle umbrella valley vase village violin voice wagon wall
watch water whale wheel window winter wizard wolf woman world yard zebra zoo thunder village jewel
`;
const VERBS_PAST = `
admired baked borrowed bought brought built carried caught chased cleaned climbed closed cooked copied
covered crossed delivered described discovered drew dropped emptied enjoyed examined fetched filled fixed
folded followed found gathered grabbed guarded heard helped hid hugged jumped kicked kissed lifted liked
loved lost moved needed noticed opened ordered packed painted passed picked planted pulled pushed reached
remembered repaired saved saw searched served shared showed sold sorted stopped studied taught thanked
threw touched tossed visited wanted warmed washed watched weighed wrapped wrote answered bumped dragged
measured poured scratched squeezed swallowed tested twisted whispered zipped judged chewed
`;
const ADJECTIVES = `
angry bashful beautiful big bitter black blue bold brave bright broken brown busy calm careful cheap
cheerful clean clever cold cool crazy curious dark deep delicious dirty dizzy dusty eager early empty
enormous fancy fast fierce foggy fresh friendly funny gentle giant glad golden good gray great green
happy hard heavy hollow honest huge hungry icy jolly kind large lazy little lonely long loud lovely lucky
magic mighty modern muddy narrow nervous new nice noisy old orange pale patient perfect pink plain
polite poor pretty proud purple quick quiet rapid rare red rich rough round rusty sad safe salty sharp
shiny short shy silent silly simple sleepy slow small smooth soft sour spicy steep sticky strange strong
sunny sweet tall tender thick thin thirsty tidy tiny tired velvet warm wet white wide wild windy wise
wooden young yellow zany frozen hidden
`;
const ADVERBS = `
again almost always badly boldly briefly calmly carefully certainly clearly early easily finally gently
gladly happily honestly kindly later loudly nearly neatly never often politely quickly quietly rarely
really sadly safely seldom slowly softly soon suddenly surely swiftly today together tomorrow truly
usually warmly yesterday
`;
const PLACES = `
at home; in the garden; by the river; near the station; on the hill; under the bridge; behind the barn;
at the market; in the kitchen; across the street; beside the lake; inside the castle; along the road;
over the fence; through the forest; at the zoo; in the valley; on the beach; near the old mill;
by the window; in the village; at school; on the ship; under the table
`;
const NAMES = `Anna Ben Charles Diana Edward Fiona George Helen Isaac Julia Kevin Laura Martin Nora Oscar Paula
Quentin Rachel Simon Tessa Victor Wendy Xavier Yvonne Zachary Ruth Thomas Sheila Vincent Judith`;

const words = (s: string): string[] => s.trim().split(/\s+/);

/** Splits a word list: every fifth word is reserved for held-out sentences. */
function split(list: string[]): { train: string[]; heldout: string[] } {
  return { train: list.filter((_, i) => i % 5 !== 2), heldout: list.filter((_, i) => i % 5 === 2) };
}

const VOCAB = {
  noun: split(words(NOUNS)),
  verb: split(words(VERBS_PAST)),
  adj: split(words(ADJECTIVES)),
  adv: split(words(ADVERBS)),
  place: split(PLACES.trim().split(/\s*;\s*/)),
  name: split(words(NAMES)),
};

type Part = keyof typeof VOCAB;

const TEMPLATES: string[] = [
  'The {adj} {noun} {verb} the {noun} {place}.',
  '{name} {verb} a {adj} {noun} {adv}.',
  'A {adj} {noun} {verb} the {adj} {noun}.',
  'Did {name} see the {noun} {place}?',
  'My {noun} {adv} {verb} your {adj} {noun}, and the {noun} {verb} it.',
  'When the {noun} {verb} the {noun}, {name} was {adj}.',
  'The {noun} was {adj}, so {name} {verb} the {noun} {adv}.',
  'Why is the {noun} so {adj} {place}?',
  'Four {adj} {noun}s and a {noun} {verb} {name}.',
  '{name} and {name} {verb} the {adj} {noun} {place} {adv}.',
  'Nobody {verb} the {noun}; the {noun} was too {adj}.',
  'Please bring the {adj} {noun} to {name}.',
  'It was a {adj} {noun}, with a {adj} {noun} {place}.',
  'Yesterday {name} {verb} {twelve} {adj} {noun}s.',
  'The {noun} {verb} the {noun} while the {noun} slept.',
  'Is this {noun} {adj} enough for {name}?',
];

const NUMBERS = words('two three five seven eight nine ten eleven twelve twenty thirty sixty hundred');

/** Which words a sentence may use: the training part of the vocabulary, or the held-out part with it. */
export type TextSplit = 'train' | 'heldout';

function pick(rng: Random, part: Part, split: TextSplit): string {
  const v = VOCAB[part];
  // Held-out sentences draw every slot from the held-out words half of the time, so most contain some.
  const list = split === 'heldout' && rng.next() < 0.5 ? v.heldout : v.train;
  return list[Math.floor(rng.next() * list.length)]!;
}

/** One sentence from `rng`. Held-out sentences always contain at least one held-out word. */
export function sentence(rng: Random, split: TextSplit): string {
  for (;;) {
    const t = TEMPLATES[Math.floor(rng.next() * TEMPLATES.length)]!;
    let held = false;
    const s = t.replace(/\{(\w+)\}/g, (_, part: string) => {
      if (part === 'twelve') return NUMBERS[Math.floor(rng.next() * NUMBERS.length)]!;
      const w = pick(rng, part as Part, split);
      if (VOCAB[part as Part].heldout.includes(w)) held = true;
      return w;
    });
    if (split === 'train' || held) return s;
  }
}

/** `n` sentences (one or two each) from `seed`. */
export function sentences(seed: number, n: number, split: TextSplit): string[] {
  const rng = seededRandom(seed);
  return Array.from({ length: n }, () =>
    rng.next() < 0.3 ? `${sentence(rng, split)} ${sentence(rng, split)}` : sentence(rng, split),
  );
}

/**
 * Words of the other languages whose Festival voices speak in training (`FESTIVAL_VOICES[v].language`):
 * everyday nouns, verbs, adjectives and function words, in plain ASCII where the voice's front end reads
 * Latin-1 or Latin-2 (Finnish, Catalan: words with ä, ö or accents are left out) and in UTF-8 Cyrillic for
 * Russian, whose front end reads it. They only give the voices something to say; their phones, not their
 * meaning, are what the labels come from.
 */
const FOREIGN_WORDS: Readonly<Record<string, string>> = {
  it: `gatto cane casa mela rossa nero bianco finestra porta tavolo sedia libro scuola mare sole luna strada
piazza chiesa ponte fiume monte albero fiore giardino pane vino acqua latte formaggio pesce carne uomo donna
bambino ragazza amico madre padre fratello sorella treno nave aereo macchina bicicletta cielo notte giorno
sera mattina estate inverno primavera grande piccolo bello brutto lungo corto vecchio nuovo veloce lento caldo
freddo dolce amaro verde giallo azzurro mangia beve dorme canta parla guarda vede compra vende apre chiude
scrive legge corre cammina sempre mai oggi domani ieri molto poco vicino lontano sopra sotto dentro fuori con
senza per tra il la lo gli le un una del della nel sul e ma che`,
  ca: `el la els les un una gat gos casa poma vermella negre blanc finestra porta taula cadira llibre escola mar
sol lluna carrer pont riu muntanya arbre flor pa vi aigua llet formatge peix carn home dona nen noia amic mare
pare germana tren vaixell cotxe bicicleta cel nit dia tarda estiu hivern gran petit bonic lleig llarg curt vell
nou rapid lent calent fred verd groc blau menja beu dorm canta parla mira porta veu compra ven obre tanca
escriu llegeix corre camina sempre mai avui ahir molt poc prop lluny sobre sota dins fora amb sense per entre
i pero que`,
  fi: `kissa koira talo omena punainen musta valkoinen ikkuna ovi tuoli kirja koulu meri aurinko kuu katu tori
kirkko silta joki vuori puu kukka puutarha vesi maito kala liha mies nainen lapsi veli sisko juna laiva auto
taivas aamu ilta talvi iso pieni kaunis ruma lyhyt vanha uusi nopea hidas kuuma keltainen sininen juo nukkuu
laulaa puhuu katsoo kantaa ostaa myy avaa sulkee kirjoittaa lukee juoksee aina ei koskaan huomenna eilen
paljon kaukana alla ulkona kanssa ilman ja mutta joka kun talossa kotona metsa`,
  ru: `кошка собака дом яблоко красный черный белый окно дверь стол стул книга школа море солнце луна улица
площадь церковь мост река гора дерево цветок сад хлеб вино вода молоко сыр рыба мясо мужчина женщина девочка
друг мать отец брат сестра поезд корабль машина велосипед небо ночь день вечер утро лето зима весна большой
маленький красивый длинный короткий старый новый быстрый медленный горячий холодный сладкий зеленый синий ест
спит говорит смотрит видит покупает открывает закрывает пишет читает бежит всегда никогда сегодня завтра
вчера много мало близко далеко над под в на с без для и но что`,
};

/** {@link FOREIGN_WORDS} as word lists, split once. */
const FOREIGN_VOCAB: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(FOREIGN_WORDS).map(([language, list]) => [language, words(list)]),
);

/** The languages {@link foreignSentence} speaks. */
export const FOREIGN_LANGUAGES: readonly string[] = Object.keys(FOREIGN_WORDS);

/** One sentence of 4–11 words of `language` (see {@link FOREIGN_WORDS}), with a comma now and then. */
export function foreignSentence(rng: Random, language: string): string {
  const vocab = FOREIGN_VOCAB[language];
  if (!vocab) throw new Error(`no words for language "${language}"; known: ${FOREIGN_LANGUAGES.join(', ')}`);
  const n = 4 + Math.floor(rng.next() * 8);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const w = vocab[Math.floor(rng.next() * vocab.length)]!;
    out.push(i < n - 1 && i > 1 && rng.next() < 0.15 ? `${w},` : w);
  }
  const s = out.join(' ');
  return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
}
