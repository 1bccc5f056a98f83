/**
 * Finds the speech labeler's committed model spec (Node): `--encoder-spec FILE`, else the first
 * transformer-encoder JSON in the speech labeler's `model/` directory, else the built-in default.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveSpec, type ModelSpec } from '@attnkit/core';
import { DEFAULT_ENCODER_SPEC } from './encoder-spec.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function readSpec(file: string): ModelSpec | undefined {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { type?: unknown; spec?: unknown };
    const spec = (json.type === 'transformer-encoder' ? json : json.spec) as ModelSpec | undefined;
    if (!spec || spec.type !== 'transformer-encoder') return undefined;
    resolveSpec(spec);
    return spec;
  } catch {
    return undefined;
  }
}

/** The encoder spec to benchmark and where it came from (a path relative to the repository, or `built-in`). */
export function loadEncoderSpec(explicit?: string): { spec: ModelSpec; source: string } {
  if (explicit) {
    const spec = readSpec(explicit);
    if (!spec) throw new Error(`--encoder-spec ${explicit}: not a readable transformer-encoder spec`);
    return { spec, source: explicit };
  }
  const dir = join(repoRoot, 'apps', 'speech-labeler', 'model');
  if (existsSync(dir)) {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort((a, b) => Number(b === 'spec.json') - Number(a === 'spec.json') || a.localeCompare(b));
    for (const f of files) {
      const spec = readSpec(join(dir, f));
      if (spec) return { spec, source: relative(repoRoot, join(dir, f)) };
    }
  }
  return {
    spec: DEFAULT_ENCODER_SPEC,
    source: 'built-in (4 layers, d_model 64, 4 heads, FFN 256, window ±64, 40 features, 8 classes)',
  };
}
