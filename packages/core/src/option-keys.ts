/**
 * The check every options object passes: each of its keys names a known option, and none is `null`.
 */
import { AttnkitError, OptionError } from './errors.js';

/**
 * Throws an `ERR_OPTION` {@link OptionError} for a key of `options` not in `known` (naming the option, and
 * `of`, the call it is no option of, when given), or an `ERR_TYPE` {@link AttnkitError} for an option given
 * as `null`.
 *
 * @example
 * ```ts
 * expectKnownOptions(options, new Set(['lengths', 'maxBytes']), 'Model.run');
 * ```
 */
export function expectKnownOptions(options: object, known: ReadonlySet<string>, of?: string): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new OptionError(
        'ERR_OPTION',
        `options.${key}: unknown option${of === undefined ? '' : ` of ${of}`}; expected one of ${[...known].join(', ')}`,
        `options.${key}`,
      );
    }
    if ((options as Record<string, unknown>)[key] === null) {
      throw new AttnkitError(
        'ERR_TYPE',
        `options.${key}: got null; omit the option (or give undefined) to use its default`,
        `options.${key}`,
      );
    }
  }
}
