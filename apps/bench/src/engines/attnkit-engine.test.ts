import { capabilities, defineBackend, type BackendPlugin, type Feature, type ModelSpec } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { attentionCase, encoderCase } from '../cases.js';
import { DEFAULT_ENCODER_SPEC } from '../encoder-spec.js';
import { attnkitEngine, neededFeatures } from './attnkit-engine.js';

/** A backend that has every feature but `lacks`, each with the reason `no <feature> here`. */
function pluginLacking(lacks: Feature[]): BackendPlugin {
  const has: Feature[] = ['causal', 'window', 'models', 'groupedHeads', 'alibi'];
  const reasons = Object.fromEntries(lacks.map((f) => [f, `no ${f} here`]));
  const kernels = {
    name: 'fake',
    capabilities: capabilities(
      has.filter((f) => !lacks.includes(f)),
      reasons,
    ),
    attention: async () => {
      throw new Error('not run in this test');
    },
  };
  return { name: 'fake', probe: async () => ({ available: true }), create: async () => defineBackend(kernels) };
}

const shape = { batch: 1, heads: 2, seq: 64, headDim: 8 };

describe('what an attnkit engine runs', () => {
  it("needs of the backend what core requires of the case's attention call", () => {
    expect(neededFeatures(attentionCase({ ...shape, mask: 'none' }, 'seq'))).toEqual([]);
    expect(neededFeatures(attentionCase({ ...shape, mask: 'causal' }, 'seq'))).toEqual(['causal']);
    expect(neededFeatures(attentionCase({ ...shape, mask: 'window', window: 4 }, 'seq'))).toEqual(['window']);
  });

  it("needs models and what each layer's attention requires for an encoder", () => {
    expect(neededFeatures(encoderCase(DEFAULT_ENCODER_SPEC, 'built-in', 100))).toEqual(['models', 'window']);
    expect(neededFeatures(encoderCase(DEFAULT_ENCODER_SPEC, 'built-in', 100, 1, 'float16'))).toEqual([
      'models',
      'models:float16',
      'window',
    ]);
    const spec: ModelSpec = {
      ...DEFAULT_ENCODER_SPEC,
      kvHeads: 2,
      positional: { kind: 'alibi' },
      attention: [{ causal: true }, { window: { left: 8, right: 8 } }, {}, {}],
    };
    expect(neededFeatures(encoderCase(spec, 'test', 100))).toEqual([
      'models',
      'groupedHeads',
      'causal',
      'alibi',
      'window',
    ]);
  });

  it('reports a case unsupported with the features its backend lacks and their reasons', async () => {
    const session = await attnkitEngine(async () => pluginLacking(['window', 'models'])).open();
    expect(session.unsupported(attentionCase({ ...shape, mask: 'none' }, 'seq'))).toBeUndefined();
    expect(session.unsupported(attentionCase({ ...shape, mask: 'causal' }, 'seq'))).toBeUndefined();
    expect(session.unsupported(attentionCase({ ...shape, mask: 'window', window: 4 }, 'seq'))).toBe(
      'backend "fake" lacks window (no window here)',
    );
    expect(session.unsupported(encoderCase(DEFAULT_ENCODER_SPEC, 'built-in', 100))).toBe(
      'backend "fake" lacks models (no models here), window (no window here)',
    );
    await session.dispose();
  });
});
