/** WAV files on disk (Node): the header from the first bytes, the samples streamed in blocks. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { wavStream, type AudioStream } from './audio-source.js';
import { WavError } from './wav-error.js';
import { parseWavHeader } from './wav-header.js';

const HEAD_BYTES = 1 << 20;

/**
 * Opens a WAV file as a stream of 16 kHz mono blocks; memory stays bounded whatever the file's length.
 * Throws {@link WavError} naming the file and the problem for missing, empty, non-WAV, truncated or
 * unsupported files.
 */
export function openWavFile(path: string): AudioStream & { close(): void } {
  const name = basename(path);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new WavError(path, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a WAV file' : `cannot open (${code ?? (e as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.allocUnsafe(Math.min(size, HEAD_BYTES));
    readSync(fd, head, 0, head.length, 0);
    let info;
    try {
      info = parseWavHeader(head, size, name);
    } catch (e) {
      if (e instanceof WavError) throw new WavError(path, e.problem);
      throw e;
    }
    const stream = wavStream(info, (offset, length) => {
      // A fresh ArrayBuffer per block: aligned for the typed views of wav-decode.
      const block = new Uint8Array(length);
      const got = readSync(fd, block, 0, length, offset);
      if (got < length) throw new WavError(path, `truncated: read ${got} of ${length} bytes at offset ${offset}`);
      return block;
    });
    return { ...stream, blocks: stream.blocks.bind(stream), close: () => closeSync(fd) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
