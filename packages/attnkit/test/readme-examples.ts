/**
 * The code blocks of the READMEs: every `ts` and `js` block is a complete program, extracted here to be
 * type-checked and run in a consumer project. A block whose first line names a test file
 * (`// conformance.test.ts ...`) is run with vitest instead.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One README code block that is a program. */
export interface Example {
  /** `README.md:12` */
  readonly where: string;
  /** The file it is written to in the consumer project, e.g. `backend-ts-1.ts`. */
  readonly file: string;
  readonly lang: 'ts' | 'js';
  readonly code: string;
  /** A vitest test file rather than a script. */
  readonly test: boolean;
}

const FENCE = /^```(\w*)\s*$/;

/** The program blocks of `readme` (relative to `repo`), named after `prefix`. */
export function examples(repo: string, readme: string, prefix: string): Example[] {
  const lines = readFileSync(join(repo, readme), 'utf8').split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const lang = open[1] === 'ts' || open[1] === 'typescript' ? 'ts' : open[1] === 'js' ? 'js' : undefined;
    if (!lang) continue;
    const named = /^\/\/\s*(\S+\.test\.[tj]s)\b/.exec(body[0] ?? '');
    const n = out.length + 1;
    out.push({
      where: `${readme}:${start + 1}`,
      file: named ? `${prefix}-${named[1]}` : `${prefix}-${n}.${lang}`,
      lang,
      code: body.join('\n') + '\n',
      test: named !== null,
    });
  }
  return out;
}
