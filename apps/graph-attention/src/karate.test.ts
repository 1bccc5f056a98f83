import { describe, expect, it } from 'vitest';
import { KARATE_EDGES, KARATE_FACTION, KARATE_NODES } from './karate.js';

describe("Zachary's karate club data", () => {
  it('has 34 members and 78 distinct friendships', () => {
    expect(KARATE_NODES).toBe(34);
    expect(KARATE_EDGES).toHaveLength(78);
    expect(new Set(KARATE_EDGES.map(([a, b]) => `${a}-${b}`)).size).toBe(78);
    for (const [a, b] of KARATE_EDGES) expect(a < b && a >= 0 && b < 34).toBe(true);
  });

  it("has the published degree sequence (Zachary 1977, Table 1's matrix)", () => {
    const degree = Array.from({ length: 34 }, () => 0);
    for (const [a, b] of KARATE_EDGES) {
      degree[a]!++;
      degree[b]!++;
    }
    expect(degree).toEqual([
      16, 9, 10, 6, 3, 4, 4, 4, 5, 2, 3, 1, 2, 5, 2, 2, 2, 2, 2, 3, 2, 2, 2, 5, 3, 3, 2, 4, 3, 4, 4, 6, 12, 17,
    ]);
  });

  it('splits into two factions of 17, each with its leader', () => {
    expect(KARATE_FACTION.filter((f) => f === 1)).toHaveLength(17);
    expect(KARATE_FACTION[0]).toBe(0);
    expect(KARATE_FACTION[33]).toBe(1);
  });
});
