/** Text outputs of the CLI (Node): stdout or a file, written in blocks of about 64 KB as text comes. */
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import type { TextSink } from '../labels/formats.js';

/** A buffered output: `sink` takes text, `flush` writes what is buffered, `close` writes the rest and closes. */
export interface TextOutput {
  readonly sink: TextSink;
  flush(): void;
  close(): void;
  /** Closes and removes what was written (a file), after a failure. */
  discard(): void;
}

const FLUSH_AT = 1 << 16;

function buffered(write: (text: string) => void, onClose: () => void, onDiscard: () => void): TextOutput {
  let parts: string[] = [],
    size = 0,
    closed = false;
  const flush = (): void => {
    if (size === 0) return;
    write(parts.join(''));
    parts = [];
    size = 0;
  };
  return {
    sink(text) {
      parts.push(text);
      size += text.length;
      if (size >= FLUSH_AT) flush();
    },
    flush,
    close() {
      if (closed) return;
      closed = true;
      flush();
      onClose();
    },
    discard() {
      if (closed) return;
      closed = true;
      parts = [];
      size = 0;
      onDiscard();
    },
  };
}

/** Standard output (through `process.stdout.write`). */
export function stdoutOutput(): TextOutput {
  return buffered(
    (t) => void process.stdout.write(t),
    () => {},
    () => {},
  );
}

/** A file, created or replaced. */
export function fileOutput(path: string): TextOutput {
  const fd = openSync(path, 'w');
  return buffered(
    (t) => void writeSync(fd, t),
    () => closeSync(fd),
    () => {
      closeSync(fd);
      unlinkSync(path);
    },
  );
}
