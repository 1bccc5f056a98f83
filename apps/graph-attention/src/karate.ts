/**
 * Zachary's karate club (W. W. Zachary, "An information flow model for conflict and fission in small
 * groups", Journal of Anthropological Research 33(4), 1977): the 34 members of a university karate club
 * and the 78 friendships between them observed outside the club. The club split after a dispute between
 * the instructor ("Mr. Hi", member 0 here) and the administrator ("Officer", member 33); `faction` is the
 * side each member joined, as recorded by Zachary (the `club` attribute of the widely used edition of
 * the data set). Members are numbered 0..33 (Zachary's 1..34 minus one).
 */

/** Number of members. */
export const KARATE_NODES = 34;

/** The 78 undirected friendships `[a, b]` with `a < b`. */
export const KARATE_EDGES: readonly (readonly [number, number])[] = [
  ...[1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 17, 19, 21, 31].map((b) => [0, b] as const),
  ...[2, 3, 7, 13, 17, 19, 21, 30].map((b) => [1, b] as const),
  ...[3, 7, 8, 9, 13, 27, 28, 32].map((b) => [2, b] as const),
  ...[7, 12, 13].map((b) => [3, b] as const),
  ...[6, 10].map((b) => [4, b] as const),
  ...[6, 10, 16].map((b) => [5, b] as const),
  [6, 16],
  ...[30, 32, 33].map((b) => [8, b] as const),
  [9, 33],
  [13, 33],
  [14, 32],
  [14, 33],
  [15, 32],
  [15, 33],
  [18, 32],
  [18, 33],
  [19, 33],
  [20, 32],
  [20, 33],
  [22, 32],
  [22, 33],
  ...[25, 27, 29, 32, 33].map((b) => [23, b] as const),
  ...[25, 27, 31].map((b) => [24, b] as const),
  [25, 31],
  [26, 29],
  [26, 33],
  [27, 33],
  [28, 31],
  [28, 33],
  [29, 32],
  [29, 33],
  [30, 32],
  [30, 33],
  [31, 32],
  [31, 33],
  [32, 33],
];

/** The two factions, by index. */
export const FACTIONS = ['Mr. Hi', 'Officer'] as const;

/** The members who joined the Officer's faction; everyone else joined Mr. Hi's. */
const OFFICER = new Set([9, 14, 15, 18, 20, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33]);

/** The faction of each member: 0 = Mr. Hi, 1 = Officer. */
export const KARATE_FACTION: readonly number[] = Array.from({ length: KARATE_NODES }, (_, i) =>
  OFFICER.has(i) ? 1 : 0,
);

/** The two leaders: the only members whose faction the model is told. */
export const KARATE_LABELLED: readonly number[] = [0, 33];
