/**
 * `pnpm graph`: trains both graph examples on backend-tfjs, runs them on every backend, prints the
 * accuracies and whether every backend predicts the same, and draws the karate club's learned attention
 * (an SVG).
 *
 * Options: `--out DIR` (default `graph-attention-out`), `--backends ts,tfjs,onnx,webgpu`, `--quick`
 * (smaller training, for a smoke test).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, onEveryBackend, type BackendOutcome } from './backends.js';
import { attentionSvg } from './draw.js';
import { FACTIONS, KARATE_EDGES, KARATE_FACTION, KARATE_LABELLED, KARATE_NODES } from './karate.js';
import { predictKarate, trainKarate } from './karate-task.js';
import { moleculeData, predictMolecules, trainMolecules } from './molecule-task.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'graph-attention-out' },
    backends: { type: 'string', default: BACKEND_NAMES.join(',') },
    quick: { type: 'boolean', default: false },
  },
});
const only = values.backends.split(',').map((s) => s.trim());
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const seconds = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

/** Prints one row per backend: its accuracy and whether its predictions equal the first backend's. */
function report<T extends { accuracy: number; predicted: Int32Array }>(outcomes: BackendOutcome<T>[]): T | undefined {
  const first = outcomes.find((o): o is { name: string; result: T } => 'result' in o)?.result;
  for (const o of outcomes) {
    if (!('result' in o)) {
      console.log(`  ${o.name.padEnd(8)} skipped: ${o.reason}`);
      continue;
    }
    const same = first && o.result.predicted.every((p, i) => p === first.predicted[i]);
    console.log(
      `  ${o.name.padEnd(8)} accuracy ${pct(o.result.accuracy).padStart(6)}   same predictions: ${same ? 'yes' : 'NO'}`,
    );
  }
  return first;
}

// 1. Node classification on the karate club.
console.log(`Zachary's karate club: ${KARATE_NODES} members, ${KARATE_EDGES.length} friendships.`);
console.log(
  `Labelled: ${KARATE_LABELLED.map((i) => `member ${i} (${FACTIONS[KARATE_FACTION[i]!]})`).join(', ')}; the other ${KARATE_NODES - KARATE_LABELLED.length} are predicted.`,
);
let t0 = performance.now();
const karate = await trainKarate({ steps: values.quick ? 30 : 60 });
console.log(
  `Trained on tfjs in ${seconds(t0)} (final loss ${karate.loss.toFixed(4)}). Faction accuracy of the unlabelled members:`,
);
const karateRuns = await onEveryBackend((b) => predictKarate(b, karate.weights), only);
const shown = report(karateRuns);
if (shown) {
  mkdirSync(values.out, { recursive: true });
  const file = resolve(join(values.out, 'karate-attention.svg'));
  writeFileSync(
    file,
    attentionSvg({
      title: `Karate club: last-layer attention over friendships (accuracy ${pct(shown.accuracy)})`,
      nodes: KARATE_NODES,
      edges: KARATE_EDGES,
      attention: shown.attention,
      predicted: shown.predicted,
      truth: KARATE_FACTION,
      labelled: KARATE_LABELLED,
      classNames: FACTIONS,
    }),
  );
  console.log(`Attention picture: ${file}`);
}

// 2. Graph-level classification of small molecule-like graphs.
const sizes = values.quick ? { train: 200, test: 100, epochs: 6 } : { train: 600, test: 200, epochs: 12 };
const { train, test } = moleculeData(sizes);
console.log(
  `\nMolecule-like graphs (8-14 atoms of C, N, O, S; label: has an N–O bond): ${train.length} for training, ${test.length} held out.`,
);
for (const useGraph of [true, false]) {
  t0 = performance.now();
  const weights = await trainMolecules(train, { ...sizes, useGraph });
  console.log(
    useGraph
      ? `Attention along bonds (graph), trained on tfjs in ${seconds(t0)}; held-out accuracy:`
      : `Baseline, the same encoder attending to every atom (no bonds), trained in ${seconds(t0)}; held-out accuracy:`,
  );
  report(await onEveryBackend((b) => predictMolecules(b, weights, test, useGraph), only));
}
