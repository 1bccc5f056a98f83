/**
 * Small random molecule-like graphs for a graph-level task (N→1): a random tree of 8 to 14 atoms of four
 * kinds, plus a few extra bonds that close rings. A graph is labelled 1 when some nitrogen atom is bonded to
 * an oxygen atom (an N–O bond). Every graph holds at least one N and one O, so the label depends on which
 * atoms are bonded, not on which atoms are present: a model that sees the atoms without the bonds cannot do
 * better than chance. The two classes are balanced.
 */
import { seededRandom, type Random } from '@attnkit/core';

/** Atom kinds, by token id. */
export const ATOMS = ['C', 'N', 'O', 'S'] as const;
const C = 0,
  N = 1,
  O = 2;

/** One graph: atom ids, undirected bonds, and its label. */
export interface Molecule {
  readonly atoms: Int32Array;
  readonly bonds: readonly (readonly [number, number])[];
  /** 1 = has an N–O bond. */
  readonly label: number;
}

/** Most atoms in a graph (runs are padded to this length). */
export const MAX_ATOMS = 14;

function hasNoBond(atoms: Int32Array, bonds: readonly (readonly [number, number])[]): boolean {
  return bonds.some(([a, b]) => (atoms[a] === N && atoms[b] === O) || (atoms[a] === O && atoms[b] === N));
}

function randomMolecule(r: Random): Molecule {
  const n = r.int(8, MAX_ATOMS);
  const atoms = Int32Array.from({ length: n }, () => {
    const u = r.next();
    return u < 0.6 ? C : u < 0.75 ? N : u < 0.9 ? O : 3;
  });
  // At least one N and one O, at random places.
  const a = r.int(0, n - 1);
  let b = r.int(0, n - 2);
  if (b >= a) b++;
  atoms[a] = N;
  atoms[b] = O;
  const bonds: [number, number][] = [];
  const seen = new Set<string>();
  const bond = (x: number, y: number): void => {
    const key = x < y ? `${x}-${y}` : `${y}-${x}`;
    if (x === y || seen.has(key)) return;
    seen.add(key);
    bonds.push([x, y]);
  };
  for (let i = 1; i < n; i++) bond(i, r.int(0, i - 1));
  const rings = r.int(0, 2);
  for (let k = 0; k < rings; k++) bond(r.int(0, n - 1), r.int(0, n - 1));
  return { atoms, bonds, label: hasNoBond(atoms, bonds) ? 1 : 0 };
}

/** `count` graphs (half of each label), seeded. */
export function molecules(count: number, seed: number): Molecule[] {
  const r = seededRandom(seed);
  const want = [Math.ceil(count / 2), Math.floor(count / 2)];
  const out: Molecule[] = [];
  while (out.length < count) {
    const m = randomMolecule(r);
    if (want[m.label]! > 0) {
      want[m.label]!--;
      out.push(m);
    }
  }
  return out;
}

/** A batch of graphs as a model run: token ids `[B, MAX_ATOMS]`, lengths, one graph per sequence. */
export function moleculeBatch(list: readonly Molecule[]): {
  input: { shape: number[]; data: Int32Array };
  lengths: Int32Array;
  graph: { edges: Int32Array }[];
  labels: Int32Array;
} {
  const B = list.length;
  const ids = new Int32Array(B * MAX_ATOMS);
  list.forEach((m, b) => ids.set(m.atoms, b * MAX_ATOMS));
  return {
    input: { shape: [B, MAX_ATOMS], data: ids },
    lengths: Int32Array.from(list, (m) => m.atoms.length),
    graph: list.map((m) => {
      const e: number[] = [];
      for (const [x, y] of m.bonds) e.push(x, y, y, x);
      for (let i = 0; i < m.atoms.length; i++) e.push(i, i);
      return { edges: Int32Array.from(e) };
    }),
    labels: Int32Array.from(list, (m) => m.label),
  };
}
