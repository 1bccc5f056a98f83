/**
 * A {@link FrameSpool} in a temporary file (Node): the first pass's frames (features and levels, float32)
 * written as they come, read back in blocks of about 1,024 frames. Memory stays flat in the length; an
 * hour of audio takes about 58 MB of disk while it is labelled.
 */
import { readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { FrameBlock } from '../features/log-mel.js';
import type { FrameSpool } from '../pipeline/labeler.js';
import { tempFile } from './temp-file.js';

/** Frames per block read back. */
const READ_FRAMES = 1024;

/**
 * A spool of frames with `bands` features each, in a fresh temporary folder under `parent` (the system's
 * temporary folder by default); `dispose` removes it.
 */
export function fileFrameSpool(bands: number, parent = tmpdir()): FrameSpool {
  const { fd, dispose } = tempFile('speech-labeler-frames', 'frames.f32', parent);
  const row = (bands + 1) * 4; // bytes per frame: its features, then its level
  let frames = 0;
  return {
    write(block) {
      const n = block.levels.length;
      if (n === 0) return;
      if (block.first !== frames)
        throw new Error(`frame spool: block starts at frame ${block.first}, expected ${frames}`);
      const buf = new Float32Array(n * (bands + 1));
      for (let i = 0; i < n; i++) {
        buf.set(block.features.subarray(i * bands, (i + 1) * bands), i * (bands + 1));
        buf[i * (bands + 1) + bands] = block.levels[i]!;
      }
      writeSync(fd, buf, 0, buf.byteLength, frames * row);
      frames += n;
    },
    *read() {
      const buf = new Float32Array(READ_FRAMES * (bands + 1));
      const bytes = new Uint8Array(buf.buffer);
      for (let first = 0; first < frames; first += READ_FRAMES) {
        const n = Math.min(READ_FRAMES, frames - first);
        let got = 0;
        while (got < n * row) {
          const r = readSync(fd, bytes, got, n * row - got, first * row + got);
          if (r === 0) throw new Error(`frame spool: the file ended at frame ${first}, ${frames} were written`);
          got += r;
        }
        const features = new Float32Array(n * bands),
          levels = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          features.set(buf.subarray(i * (bands + 1), i * (bands + 1) + bands), i * bands);
          levels[i] = buf[i * (bands + 1) + bands]!;
        }
        yield { first, features, levels } satisfies FrameBlock;
      }
    },
    dispose,
  };
}
