/**
 * Writes a long recording for timing runs by concatenating the WAVs of a directory (in order, again and
 * again) up to a duration, streamed to disk: `node dist/data/make-long.js data/heldout 60 long.wav`.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import wavefile from 'wavefile';
import { readAll } from '../audio/audio-source.js';
import { openWavFile } from '../audio/wav-file.js';
import { listEvalPairs } from '../eval/evaluate.js';

/** Concatenates the WAVs of `dir` into `out` until `minutes` of 16 kHz 16-bit mono. */
export function makeLong(dir: string, minutes: number, out: string): number {
  const total = Math.round(minutes * 60 * 16000);
  const header = new wavefile.WaveFile();
  header.fromScratch(1, 16000, '16', new Int16Array(0));
  const head = header.toBuffer();
  // The header's sizes, for `total` samples (RIFF size at byte 4, data size at byte 40).
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  view.setUint32(4, 36 + total * 2, true);
  view.setUint32(40, total * 2, true);
  const fd = openSync(out, 'w');
  try {
    writeSync(fd, head);
    const files = listEvalPairs(dir).map((p) => {
      const s = openWavFile(p.wav);
      try {
        return readAll(s);
      } finally {
        s.close();
      }
    });
    let written = 0;
    for (let i = 0; written < total; i++) {
      const x = files[i % files.length]!;
      const n = Math.min(x.length, total - written);
      const ints = new Int16Array(n);
      for (let k = 0; k < n; k++) ints[k] = Math.max(-32768, Math.min(32767, Math.round(x[k]! * 32768)));
      writeSync(fd, new Uint8Array(ints.buffer));
      written += n;
    }
    return written;
  } finally {
    closeSync(fd);
  }
}

const [dir, minutes, out] = process.argv.slice(2);
if (import.meta.url === `file://${process.argv[1]}`) {
  if (!dir || !minutes || !out) {
    process.stderr.write('usage: node dist/data/make-long.js DIR MINUTES OUT.wav\n');
    process.exit(2);
  }
  const n = makeLong(dir, Number(minutes), out);
  process.stderr.write(`wrote ${out}: ${(n / 16000 / 60).toFixed(1)} min\n`);
}
