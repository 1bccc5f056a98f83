/**
 * Help text fixes for cac: a negated option (`--no-peers`) gets the default `true` for the option it negates,
 * and cac prints that as `(default: true)` after the negated flag, which reads as "no peers by default".
 */
import type { Command } from 'cac';

/**
 * Drops the default cac gives each negated option of `command`, so that `--help` prints none. Parsing is
 * unchanged where the caller reads the option as on unless it is `false`: `--no-peers` still gives
 * `peers: false`, and without it `peers` is `undefined`.
 *
 * @example
 * ```ts
 * const run = cac('tool').command('', 'run').option('--no-peers', 'Run no peer (peers run by default)');
 * hideNegatedDefaults(run);
 * ```
 */
export function hideNegatedDefaults(command: Command): Command {
  for (const option of command.options) if (option.negated) delete option.config.default;
  return command;
}
