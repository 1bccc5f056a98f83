import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { generated, runCli } from '../test-support.js';
import { openWavFile } from '../audio/wav-file.js';
import { parseSegmentsJson } from '../labels/segments.js';
import { CLASSES } from '../labels/classes.js';

let dir: string;
let wav: string;
let duration: number;

beforeAll(async () => {
  dir = await generated('heldout', 3, 77);
  wav = join(dir, 'heldout-00000.wav');
  const s = openWavFile(wav);
  duration = s.length / 16000;
  s.close();
});

describe('speech-labeler label', () => {
  it('prints segments as JSON (the evaluation format) covering the whole file', async () => {
    const r = await runCli('label', wav, '--backend', 'ts');
    expect(r.code).toBe(0);
    const segs = parseSegmentsJson(r.stdout, 'stdout');
    expect(segs[0]!.start).toBe(0);
    expect(segs[segs.length - 1]!.end).toBeCloseTo(duration, 6);
    for (let i = 1; i < segs.length; i++) {
      expect(segs[i]!.start).toBe(segs[i - 1]!.end);
      expect(segs[i]!.label).not.toBe(segs[i - 1]!.label);
    }
  });

  it('writes CSV and TextGrid with the same segments', async () => {
    const json = parseSegmentsJson((await runCli('label', wav, '--backend', 'ts')).stdout, 'json');
    const csv = (await runCli('label', wav, '--backend', 'ts', '--format', 'csv')).stdout.trim().split('\n');
    expect(csv[0]).toBe('start,end,label');
    expect(csv.slice(1)).toEqual(json.map((s) => `${s.start},${s.end},${s.label}`));
    const out = join(mkdtempSync(join(tmpdir(), 'tg-')), 'x.TextGrid');
    expect((await runCli('label', wav, '--backend', 'ts', '--format', 'textgrid', '-o', out)).code).toBe(0);
    const tg = readFileSync(out, 'utf8');
    expect(tg).toMatch(/^File type = "ooTextFile"\nObject class = "TextGrid"/);
    expect(tg).toContain(`intervals: size = ${json.length}`);
  });

  it('names the file and the problem for a bad file, and exits non-zero', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'bad-')), 'notes.wav');
    writeFileSync(bad, 'hello');
    const r = await runCli('label', bad, '--backend', 'ts');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${bad}: not a WAV file (starts with "hell", expected "RIFF....WAVE")\n`);
    const missing = await runCli('label', join(dir, 'nope.wav'));
    expect(missing.stderr).toBe(`error: ${join(dir, 'nope.wav')}: no such file\n`);
  });

  it('names the file, the sample and the channel of a float WAV holding NaN', async () => {
    const w = new wavefile.WaveFile();
    w.fromScratch(2, 16000, '32f', [
      [0.1, 0.2, 0.3],
      [0.1, NaN, 0.3],
    ]);
    const nan = join(mkdtempSync(join(tmpdir(), 'nan-')), 'speech.wav');
    writeFileSync(nan, w.toBuffer());
    const r = await runCli('label', nan, '--backend', 'ts');
    expect([r.code, r.stderr]).toEqual([
      1,
      `error: ${nan}: sample 1 of channel 2 is NaN; a float WAV must hold finite samples\n`,
    ]);
  });

  it('refuses an unknown format or backend with a clear message', async () => {
    expect((await runCli('label', wav, '--format', 'xml')).stderr).toMatch(
      /--format: expected json, textgrid or csv, got "xml"/,
    );
    expect((await runCli('label', wav, '--backend', 'nope')).stderr).toMatch(/no backend named "nope" is registered/);
  });
});

describe('speech-labeler', () => {
  it('prints help and exits 0; an unknown command is an error', async () => {
    const help = await runCli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/label <...inputs>[\s\S]*eval <...dirs>/);
    for (const command of ['label', 'eval']) {
      expect((await runCli(command, '--help')).stdout).toMatch(
        /--chunk <frames>\s+Frames per chunk \(default 1000\)[\s\S]*--batch <chunks>\s+Chunks per model call \(default 4\)/,
      );
    }
    // A negated option shows no default (cac would print "(default: true)" for --no-progress).
    for (const command of ['label', 'eval']) {
      const help = (await runCli(command, '--help')).stdout;
      expect(help).toMatch(/--no-progress\s+No progress bar/);
      expect(help).not.toContain('(default: true)');
    }
    const serve = (await runCli('serve', '--help')).stdout;
    expect(serve).toMatch(/\$ speech-labeler serve\b/);
    expect(serve).toMatch(/--port <port>[\s\S]*--no-build/);
    expect(serve).not.toContain('label <...inputs>');
    const bad = await runCli('frobnicate');
    expect([bad.code, bad.stderr]).toEqual([1, 'error: unknown command "frobnicate"; see speech-labeler --help\n']);
  });
});

describe('speech-labeler eval', () => {
  it('prints per-class accuracy, the confusion matrix and, last, the frame accuracy', async () => {
    const r = await runCli('eval', dir, '--backend', 'ts');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^frame accuracy: [01]\.\d{4}$/);
    expect(r.stdout).toContain('per-class accuracy');
    expect(r.stdout).toContain('confusion matrix (rows: reference, columns: labelled)');
    for (const c of CLASSES) expect(r.stdout).toContain(c);
    // The matrix counts every frame once: its total is the frame count in the header.
    const total = Number(/(\d+) frames;/.exec(r.stdout)![1]);
    const rows = lines
      .filter((l) => /^\s+\S+(\s+\d+){8}$/.test(l))
      .map((l) => l.trim().split(/\s+/).slice(1).map(Number));
    expect(rows).toHaveLength(8);
    expect(rows.flat().reduce((a, b) => a + b, 0)).toBe(total);
  });

  it('reports each bad file on stderr, scores the others, prints the results and exits 1', async () => {
    const mixed = mkdtempSync(join(tmpdir(), 'mixed-'));
    for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(mixed, f));
    // Sorted first, so that the good files all come after a bad one.
    writeFileSync(join(mixed, 'a-bad.wav'), 'hello');
    copyFileSync(join(dir, 'heldout-00000.json'), join(mixed, 'a-bad.json'));
    copyFileSync(wav, join(mixed, 'b-unreferenced.wav'));
    writeFileSync(join(mixed, 'c-bad-reference.json'), '{ "segments": 3 }');
    copyFileSync(wav, join(mixed, 'c-bad-reference.wav'));
    const clean = await runCli('eval', dir, '--backend', 'ts');
    const r = await runCli('eval', mixed, '--backend', 'ts');
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toEqual([
      `error: ${join(mixed, 'a-bad.wav')}: not a WAV file (starts with "hell", expected "RIFF....WAVE")`,
      `error: ${join(mixed, 'b-unreferenced.wav')}: no reference b-unreferenced.json beside it`,
      `error: ${join(mixed, 'c-bad-reference.json')}: expected { "segments": [...] }`,
      'error: 3 of 6 files could not be scored; the results are those of the other 3',
      '',
    ]);
    // The good files are scored exactly as on their own.
    expect(r.stdout.replace(/; backend[^\n]*/, '')).toBe(clean.stdout.replace(/; backend[^\n]*/, ''));
  });

  it('pools several folders frame by frame, after a line for each: as one folder holding them all', async () => {
    // The files of `dir` split between two folders.
    const parts = [mkdtempSync(join(tmpdir(), 'part-a-')), mkdtempSync(join(tmpdir(), 'part-b-'))];
    const names = readdirSync(dir).filter((f) => f.endsWith('.wav'));
    expect(names.length).toBeGreaterThanOrEqual(2);
    names.forEach((f, i) => {
      const to = parts[i % 2]!;
      copyFileSync(join(dir, f), join(to, f));
      copyFileSync(join(dir, f.replace(/\.wav$/, '.json')), join(to, f.replace(/\.wav$/, '.json')));
    });
    const whole = await runCli('eval', dir, '--backend', 'ts');
    const pooled = await runCli('eval', ...parts, '--backend', 'ts');
    expect(pooled.code).toBe(0);
    const [lineA, lineB] = pooled.stdout.split('\n');
    for (const [line, part] of [
      [lineA, parts[0]],
      [lineB, parts[1]],
    ] as const) {
      const alone = await runCli('eval', part!, '--backend', 'ts');
      const acc = /frame accuracy: (\S+)\n$/.exec(alone.stdout)![1];
      const frames = /(\d+) frames;/.exec(alone.stdout)![1];
      expect(line).toMatch(new RegExp(`^${part}: \\d+ files, ${frames} frames, frame accuracy ${acc}$`));
    }
    // After the two lines, the same report as for the folder holding every file (timings aside).
    const rest = pooled.stdout.split('\n').slice(3).join('\n');
    const strip = (t: string): string => t.replace(/; backend[^\n]*/, '');
    expect(strip(rest)).toBe(strip(whole.stdout));
  });

  it('says what is missing in a directory', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'empty-'));
    expect((await runCli('eval', empty, '--backend', 'ts')).stderr).toBe(`error: ${empty}: no .wav files\n`);
  });
});
