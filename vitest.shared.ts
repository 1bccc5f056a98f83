/**
 * Shared vitest settings for every workspace package: tests import sibling packages from their
 * sources (`src/index.ts`), so a test run never waits for, or tests a stale, build.
 */
import { fileURLToPath } from 'node:url';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Maps every workspace package name to its `src/index.ts`. */
export function workspaceAliases(): { find: RegExp; replacement: string }[] {
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const dir of ['packages', 'apps']) {
    const base = join(root, dir);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const pkgPath = join(base, name, 'package.json');
      const entry = join(base, name, 'src', 'index.ts');
      if (!existsSync(pkgPath) || !existsSync(entry)) continue;
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { name: string };
      // Subpath entries (e.g. @attnkit/conformance/vitest → src/vitest.ts).
      for (const sub of ['vitest', 'browser']) {
        const file = join(base, name, 'src', `${sub}.ts`);
        if (existsSync(file)) aliases.push({ find: new RegExp(`^${pkg.name.replace(/[/]/g, '\\/')}\\/${sub}$`), replacement: file });
      }
      aliases.push({ find: new RegExp(`^${pkg.name.replace(/[/]/g, '\\/')}$`), replacement: entry });
    }
  }
  return aliases;
}
