// Writes a generated source file so that a reader never sees it half written: the build and the
// typecheck of this package both generate src/generated/ and run at the same time under turbo, and a
// plain write truncates the file that the other's tsc may be reading. An unchanged file is not touched;
// a changed one is written beside it and renamed over it (atomic on one file system).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `text` to `path` atomically, unless the file already holds exactly `text`. */
export function writeGenerated(path, text) {
  try {
    if (readFileSync(path, 'utf8') === text) return;
  } catch {
    // Not there yet.
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
