/** WAV files on disk (Node): the header from the first bytes, the samples streamed in blocks. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { wavStream, type AudioStream } from './audio-source.js';
import { WavError } from './wav-error.js';
import { parseWavHeader } from './wav-header.js';

const HEAD_BYTES = 1 << 20;

/**
 * Opens a WAV file as a stream of 16 kHz mono blocks; memory stays bounded whatever the file's length.
 * Throws {@link WavError} naming the file and the problem for missing, empty, non-WAV, truncated or
 * unsupported files and folders; reading the blocks throws one for samples that are not finite numbers.
 */
export function openWavFile(path: string): AudioStream & { close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new WavError(
      path,
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a folder, not a WAV file'
          : `cannot open (${code ?? (e as Error).message})`,
    );
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new WavError(path, 'is a folder, not a WAV file'); // Linux opens folders for reading
    const size = stat.size;
    const head = Buffer.allocUnsafe(Math.min(size, HEAD_BYTES));
    readSync(fd, head, 0, head.length, 0);
    const info = parseWavHeader(head, size, path);
    const stream = wavStream(
      info,
      (offset, length) => {
        // A fresh ArrayBuffer per block: aligned for the typed views of wav-decode.
        const block = new Uint8Array(length);
        let got: number;
        try {
          got = readSync(fd, block, 0, length, offset);
        } catch (e) {
          throw new WavError(
            path,
            `cannot read ${length} bytes at offset ${offset} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
          );
        }
        if (got < length) throw new WavError(path, `truncated: read ${got} of ${length} bytes at offset ${offset}`);
        return block;
      },
      { file: path },
    );
    return { ...stream, blocks: stream.blocks.bind(stream), close: () => closeSync(fd) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
