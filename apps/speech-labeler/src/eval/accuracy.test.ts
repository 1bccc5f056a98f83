/**
 * The committed model's accuracy on freshly generated, seeded sets of voices never used in training, with
 * the generator's reverberation, band limits, noise and level changes (backend-ts): the 15 held-out
 * espeak-ng voice variants on held-out texts (at least 90% of frames, 8 classes; the model scores 0.9336 on
 * this set, the previous one 0.8144), the festival voice `ked` (at least 79%; 0.8164, previously 0.7450),
 * the flite voice `rms` (at least 78%; 0.8067, previously 0.7112), and the three pooled frame by frame (at
 * least 83%; 0.8579). The festival and flite checks need Debian's packages; they are skipped without them,
 * with the reason printed, except under CI where they must run.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { festivalAvailable } from '../data/festival.js';
import { fliteAvailable } from '../data/flite.js';
import { generated, runCli } from '../test-support.js';

function frameAccuracy(stdout: string): number {
  const last = stdout.trim().split('\n').pop()!;
  const m = /^frame accuracy: (\d\.\d+)$/.exec(last);
  if (!m) throw new Error(`no "frame accuracy" line at the end of:\n${stdout}`);
  return Number(m[1]);
}

const festival = festivalAvailable();
if (!festival && process.env.CI)
  throw new Error('festival is missing: install the packages in scripts/system-packages.txt');
const flite = fliteAvailable();
if (!flite && process.env.CI) throw new Error('flite is missing: install the packages in scripts/system-packages.txt');
if (!festival || !flite)
  process.stderr.write(
    `accuracy.test: skipping the ${[festival ? '' : 'festival', flite ? '' : 'flite'].filter(Boolean).join(' and ')} voices: apt-get install the packages in scripts/system-packages.txt\n`,
  );

/** Each set generated once, for its own test and the pooled one. */
const sets = new Map<string, Promise<string>>();
const set = (split: string, count: number, seed: number): Promise<string> => {
  if (!sets.has(split)) sets.set(split, generated(split, count, seed));
  return sets.get(split)!;
};
const heldout = (): Promise<string> => set('heldout', 30, 9001);
const ked = (): Promise<string> => set('unseen', 20, 9002);
const rms = (): Promise<string> => set('unseen-flite', 20, 9003);

describe('accuracy of the committed model', () => {
  it('labels at least 90% of frames right on held-out espeak-ng voices and texts', async () => {
    const r = await runCli('eval', await heldout(), '--backend', 'ts');
    expect(r.code).toBe(0);
    expect(frameAccuracy(r.stdout)).toBeGreaterThanOrEqual(0.9);
  });

  it.skipIf(!festival)(
    'labels at least 79% of frames right on a voice never seen in training (festival ked)',
    async () => {
      const r = await runCli('eval', await ked(), '--backend', 'ts');
      expect(frameAccuracy(r.stdout)).toBeGreaterThanOrEqual(0.79);
    },
  );

  it.skipIf(!flite)('labels at least 78% of frames right on a voice never seen in training (flite rms)', async () => {
    const r = await runCli('eval', await rms(), '--backend', 'ts');
    expect(frameAccuracy(r.stdout)).toBeGreaterThanOrEqual(0.78);
  });

  it.skipIf(!festival || !flite)(
    'labels at least 83% of frames right over every voice never seen in training, pooled frame by frame',
    async () => {
      const r = await runCli('eval', await heldout(), await ked(), await rms(), '--backend', 'ts');
      expect(r.code).toBe(0);
      expect(frameAccuracy(r.stdout)).toBeGreaterThanOrEqual(0.83);
    },
  );

  it('labels µ-law and A-law copies of held-out utterances about as well as the 16-bit originals', async () => {
    const dir = await generated('heldout', 12, 9004);
    /** `dir`'s WAVs re-encoded (16-bit PCM → G.711 at `rate`), beside copies of their references. */
    const reencoded = (name: string, encoding: 'mulaw' | 'alaw', rate: number): string => {
      const out = join(dir, '..', name);
      mkdirSync(out);
      for (const f of readdirSync(dir)) {
        if (f.endsWith('.json')) copyFileSync(join(dir, f), join(out, f));
        if (!f.endsWith('.wav')) continue;
        const w = new wavefile.WaveFile(readFileSync(join(dir, f)));
        if (rate !== 16000) w.toSampleRate(rate, { method: 'sinc' });
        if (encoding === 'mulaw') w.toMuLaw();
        else w.toALaw();
        writeFileSync(join(out, f), w.toBuffer());
      }
      return out;
    };
    const score = async (d: string): Promise<number> => {
      const r = await runCli('eval', d, '--backend', 'ts');
      expect(r.code).toBe(0);
      return frameAccuracy(r.stdout);
    };
    const original = await score(dir);
    // On 20 utterances of seed 9004 (another draw than these 12; onnx): 0.9077 for the originals, 0.9010
    // µ-law, 0.8963 A-law, 0.8734 µ-law at 8 kHz (telephone), 0.8798 16-bit at 8 kHz: the band limit, not
    // the coding, costs the most there.
    expect(await score(reencoded('mulaw', 'mulaw', 16000))).toBeGreaterThanOrEqual(original - 0.03);
    expect(await score(reencoded('alaw', 'alaw', 16000))).toBeGreaterThanOrEqual(original - 0.03);
    expect(await score(reencoded('telephone', 'mulaw', 8000))).toBeGreaterThanOrEqual(original - 0.07);
  });
});
