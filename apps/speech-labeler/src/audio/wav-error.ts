/** An unreadable audio file: names the file and what is wrong with it. */
export class WavError extends Error {
  override readonly name = 'WavError';
  constructor(
    /** The file (path or name) that could not be read. */
    readonly file: string,
    /** What is wrong, e.g. `truncated: the data chunk declares 32000 bytes but only 1200 follow`. */
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/**
 * The message of `e` as `FILE: problem`: its own message when that already starts with `file` (a
 * {@link WavError} of that file, a reference file's parse error), else `file: ` and the message.
 *
 * @example
 * ```ts
 * messageNaming('a.wav', new Error('out of memory')); // 'a.wav: out of memory'
 * ```
 */
export function messageNaming(file: string, e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.startsWith(`${file}: `) ? message : `${file}: ${message}`;
}
