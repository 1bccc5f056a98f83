/** A temporary file (Node) in a fresh folder of its own, removed with the folder by `dispose`. */
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An open temporary file. */
export interface TempFile {
  /** Its descriptor, open for reading and writing. */
  readonly fd: number;
  /** Closes the file and removes its folder; safe to call twice. */
  readonly dispose: () => void;
}

/** Creates `name` in a fresh folder `PREFIX-XXXXXX` under `parent` (the system's temporary folder by default). */
export function tempFile(prefix: string, name: string, parent = tmpdir()): TempFile {
  const dir = mkdtempSync(join(parent, `${prefix}-`));
  const fd = openSync(join(dir, name), 'w+');
  let open = true;
  return {
    fd,
    dispose() {
      if (!open) return;
      open = false;
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
