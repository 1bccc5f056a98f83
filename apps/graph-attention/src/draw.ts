/**
 * The picture: a graph laid out by a seeded force-directed layout (Fruchterman–Reingold), each edge drawn
 * as thick and dark as the attention along it, each node coloured by its predicted class and ringed by
 * its true one, as an SVG document.
 */
import { seededRandom } from '@attnkit/core';

/** Positions `[x, y]` in `[0, 1]²` for `n` nodes. */
export function forceLayout(
  n: number,
  edges: readonly (readonly [number, number])[],
  seed = 3,
  iterations = 300,
): [number, number][] {
  const r = seededRandom(seed);
  const p: [number, number][] = Array.from({ length: n }, () => [r.next(), r.next()]);
  const k = Math.sqrt(1 / n);
  for (let it = 0; it < iterations; it++) {
    const t = 0.1 * (1 - it / iterations) + 0.002;
    const d: [number, number][] = p.map(() => [0, 0]);
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const dx = p[i]![0] - p[j]![0],
          dy = p[i]![1] - p[j]![1];
        const dist = Math.max(1e-3, Math.hypot(dx, dy));
        const f = (k * k) / dist;
        d[i]![0] += (dx / dist) * f;
        d[i]![1] += (dy / dist) * f;
        d[j]![0] -= (dx / dist) * f;
        d[j]![1] -= (dy / dist) * f;
      }
    for (const [a, b] of edges) {
      const dx = p[a]![0] - p[b]![0],
        dy = p[a]![1] - p[b]![1];
      const dist = Math.max(1e-3, Math.hypot(dx, dy));
      const f = (dist * dist) / k;
      d[a]![0] -= (dx / dist) * f;
      d[a]![1] -= (dy / dist) * f;
      d[b]![0] += (dx / dist) * f;
      d[b]![1] += (dy / dist) * f;
    }
    for (let i = 0; i < n; i++) {
      const len = Math.max(1e-9, Math.hypot(d[i]![0], d[i]![1]));
      p[i]![0] += (d[i]![0] / len) * Math.min(len, t);
      p[i]![1] += (d[i]![1] / len) * Math.min(len, t);
    }
  }
  const xs = p.map((q) => q[0]),
    ys = p.map((q) => q[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  return p.map(([x, y]) => [(x - x0) / (x1 - x0 || 1), (y - y0) / (y1 - y0 || 1)]);
}

/** What {@link attentionSvg} draws. */
export interface GraphPicture {
  readonly title: string;
  readonly nodes: number;
  readonly edges: readonly (readonly [number, number])[];
  /** `[N, N]`: attention of node i to node j; an edge is drawn with the larger of its two directions. */
  readonly attention: Float32Array;
  readonly predicted: ArrayLike<number>;
  readonly truth: ArrayLike<number>;
  /** Nodes whose class was given in training (drawn with a double ring). */
  readonly labelled: readonly number[];
  readonly classNames: readonly string[];
}

const COLORS = ['#2f6db5', '#e07b22'];

/** The SVG document. */
export function attentionSvg(g: GraphPicture, size = 640): string {
  const pos = forceLayout(g.nodes, g.edges);
  const pad = 40;
  const at = (i: number): [number, number] => [
    pad + pos[i]![0] * (size - 2 * pad),
    pad + 30 + pos[i]![1] * (size - 2 * pad - 30),
  ];
  const N = g.nodes;
  const weight = (a: number, b: number): number => Math.max(g.attention[a * N + b]!, g.attention[b * N + a]!);
  const top = Math.max(1e-9, ...g.edges.map(([a, b]) => weight(a, b)));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + 50}" viewBox="0 0 ${size} ${size + 50}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad}" y="28" font-size="16">${escapeXml(g.title)}</text>`,
  ];
  for (const [a, b] of g.edges) {
    const w = weight(a, b) / top;
    const [x1, y1] = at(a),
      [x2, y2] = at(b);
    parts.push(
      `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="#333" stroke-opacity="${(0.1 + 0.9 * w).toFixed(3)}" stroke-width="${(0.5 + 5 * w).toFixed(2)}"><title>${a}–${b}: ${weight(a, b).toFixed(3)}</title></line>`,
    );
  }
  for (let i = 0; i < N; i++) {
    const [x, y] = at(i);
    const fill = COLORS[g.predicted[i]! % COLORS.length]!;
    const ring = COLORS[g.truth[i]! % COLORS.length]!;
    const wrong = g.predicted[i] !== g.truth[i];
    if (g.labelled.includes(i))
      parts.push(
        `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="15" fill="none" stroke="#000" stroke-width="1.5"/>`,
      );
    parts.push(
      `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="11" fill="${fill}" stroke="${wrong ? '#d11' : ring}" stroke-width="${wrong ? 4 : 3}"><title>node ${i}: predicted ${escapeXml(g.classNames[g.predicted[i]!] ?? '')}, joined ${escapeXml(g.classNames[g.truth[i]!] ?? '')}</title></circle>`,
      `<text x="${x.toFixed(1)}" y="${(y + 4).toFixed(1)}" font-size="10" text-anchor="middle" fill="white">${i}</text>`,
    );
  }
  const legend = g.classNames.map(
    (name, c) =>
      `<circle cx="${pad + 8 + c * 150}" cy="${size + 14}" r="7" fill="${COLORS[c % COLORS.length]}"/><text x="${pad + 20 + c * 150}" y="${size + 18}" font-size="12">${escapeXml(name)}</text>`,
  );
  parts.push(
    ...legend,
    `<text x="${pad}" y="${size + 40}" font-size="12">fill: predicted · ring: actual · red ring: wrong · double ring: labelled · edge: attention</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
