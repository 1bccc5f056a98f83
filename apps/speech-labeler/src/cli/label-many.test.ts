import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generated, runCli } from '../test-support.js';

let dir: string;
let wavs: string[];
/** The single-file output of each file, by path. */
const single = new Map<string, { json: string; csv: string; textgrid: string }>();

beforeAll(async () => {
  dir = await generated('heldout', 2, 78);
  wavs = readdirSync(dir)
    .filter((f) => f.endsWith('.wav'))
    .sort()
    .map((f) => join(dir, f));
  // One run at a time: runCli captures this process's stdout.
  for (const w of wavs) {
    const out: Record<string, string> = {};
    for (const format of ['json', 'csv', 'textgrid'])
      out[format] = (await runCli('label', w, '--backend', 'ts', '--format', format)).stdout;
    single.set(w, { json: out.json!, csv: out.csv!, textgrid: out.textgrid! });
  }
});

describe('speech-labeler label with several inputs', () => {
  it('prints one JSON object per file and line, naming the file, with its single-file segments', async () => {
    const r = await runCli('label', wavs[1]!, wavs[0]!, '--backend', 'ts');
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; segments: unknown[] });
    expect(lines.map((l) => l.file)).toEqual([wavs[1], wavs[0]]);
    for (const l of lines)
      expect(l.segments).toEqual((JSON.parse(single.get(l.file)!.json) as { segments: unknown[] }).segments);
  });

  it('takes a folder as every .wav in it, sorted', async () => {
    const r = await runCli('label', dir, '--backend', 'ts');
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { file: string }).file),
    ).toEqual(wavs);
  });

  it('writes CSV with a file column', async () => {
    const r = await runCli('label', ...wavs, '--backend', 'ts', '--format', 'csv');
    const want = wavs.flatMap((w) =>
      single
        .get(w)!
        .csv.trim()
        .split('\n')
        .slice(1)
        .map((row) => `${w},${row}`),
    );
    expect(r.stdout).toBe(`file,start,end,label\n${want.join('\n')}\n`);
  });

  it('with -o writes one file per input into that folder, each as the single-file output', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'labels-')), 'out');
    const r = await runCli('label', dir, '--backend', 'ts', '--format', 'textgrid', '-o', out);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
    expect(readdirSync(out).sort()).toEqual(['heldout-00000.TextGrid', 'heldout-00001.TextGrid']);
    for (const w of wavs)
      expect(readFileSync(join(out, w.slice(dir.length + 1, -4) + '.TextGrid'), 'utf8')).toBe(single.get(w)!.textgrid);
  });

  it('with --beside writes each output next to its input, for a folder and for one file', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'beside-'));
    for (const w of wavs) copyFileSync(w, join(copy, w.slice(dir.length + 1)));
    const r = await runCli('label', copy, '--backend', 'ts', '--format', 'csv', '--beside');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
    for (const w of wavs)
      expect(readFileSync(join(copy, w.slice(dir.length + 1, -4) + '.csv'), 'utf8')).toBe(single.get(w)!.csv);
    const one = join(copy, wavs[0]!.slice(dir.length + 1));
    expect((await runCli('label', one, '--backend', 'ts', '--beside')).code).toBe(0);
    expect(readFileSync(one.replace(/\.wav$/, '.json'), 'utf8')).toBe(single.get(wavs[0]!)!.json);
    expect((await runCli('label', one, '--beside', '-o', join(copy, 'x.json'))).stderr).toBe(
      'error: -o and --beside: choose one (a file or folder, or beside each input)\n',
    );
  });

  it('refuses several TextGrids on stdout, and two inputs that would write the same output file', async () => {
    expect((await runCli('label', ...wavs, '--format', 'textgrid')).stderr).toBe(
      'error: --format textgrid with several inputs needs -o FOLDER or --beside (one TextGrid per input)\n',
    );
    expect((await runCli('label', wavs[0]!, wavs[0]!, '--beside')).stderr).toBe(
      `error: --beside: ${wavs[0]} and ${wavs[0]} would both write ${wavs[0]!.replace(/\.wav$/, '.json')}\n`,
    );
    const other = mkdtempSync(join(tmpdir(), 'same-name-'));
    copyFileSync(wavs[0]!, join(other, 'heldout-00000.wav'));
    const r = await runCli('label', wavs[0]!, join(other, 'heldout-00000.wav'), '-o', join(other, 'out'));
    expect([r.code, r.stderr]).toEqual([
      1,
      `error: -o: ${wavs[0]} and ${join(other, 'heldout-00000.wav')} would both write ${join(other, 'out', 'heldout-00000.json')}\n`,
    ]);
  });

  it('reports each bad input on stderr, labels the others and exits 1', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'bad-'));
    writeFileSync(join(bad, 'notes.wav'), 'hello');
    mkdirSync(join(bad, 'empty'));
    const r = await runCli(
      'label',
      join(bad, 'notes.wav'),
      wavs[0]!,
      join(bad, 'empty'),
      join(bad, 'missing.wav'),
      '--backend',
      'ts',
    );
    expect(r.code).toBe(1);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { file: string }).file),
    ).toEqual([wavs[0]]);
    expect(r.stderr.split('\n')).toEqual([
      `error: ${join(bad, 'notes.wav')}: not a WAV file (starts with "hell", expected "RIFF....WAVE")`,
      `error: ${join(bad, 'empty')}: no .wav files`,
      `error: ${join(bad, 'missing.wav')}: no such file`,
      'error: 3 of 4 inputs could not be labelled',
      '',
    ]);
  });
});
