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
