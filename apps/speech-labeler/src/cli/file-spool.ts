/** A {@link Spool} in a temporary file (Node), for the intervals of a long recording's TextGrid. */
import { readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { Spool } from '../labels/formats.js';
import { tempFile } from './temp-file.js';

const BLOCK = 1 << 16;

/**
 * A spool in a fresh temporary folder under `parent` (the system's temporary folder by default), written
 * in blocks of about 64 KB and read back in blocks; `replay` (or `dispose`, after a failure) removes it.
 */
export function fileSpool(parent = tmpdir()): Spool {
  const { fd, dispose } = tempFile('speech-labeler', 'spool.txt', parent);
  let parts: string[] = [],
    size = 0,
    written = 0;
  const flush = (): void => {
    if (size === 0) return;
    written += writeSync(fd, parts.join(''), written);
    parts = [];
    size = 0;
  };
  return {
    write(text) {
      parts.push(text);
      size += text.length;
      if (size >= BLOCK) flush();
    },
    replay(sink) {
      flush();
      const buf = Buffer.allocUnsafe(BLOCK),
        decoder = new StringDecoder('utf8');
      try {
        for (let at = 0; at < written;) {
          const n = readSync(fd, buf, 0, Math.min(BLOCK, written - at), at);
          if (n === 0) break;
          sink(decoder.write(buf.subarray(0, n)));
          at += n;
        }
        const rest = decoder.end();
        if (rest) sink(rest);
      } finally {
        dispose();
      }
    },
    dispose,
  };
}
