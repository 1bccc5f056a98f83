/**
 * Shared vitest settings for every workspace package: tests import sibling packages from their
 * sources (`src/index.ts`), so a test run never waits for, or tests a stale, build.
 */
import { fileURLToPath } from 'node:url';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Maps every workspace package name to its source entry (`src/index.ts`, or `src/node.ts` for packages with a Node entry). */
export function workspaceAliases(): { find: RegExp; replacement: string }[] {
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const dir of ['packages', 'apps', 'tools']) {
    const base = join(root, dir);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const pkgPath = join(base, name, 'package.json');
      if (!existsSync(pkgPath)) continue;
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { name: string; exports?: Record<string, unknown> };
      const escaped = pkg.name.replace(/[/]/g, '\\/');
      // Tests run in Node: a package whose main export has a "node" condition resolves to src/node.ts.
      const dot = pkg.exports?.['.'];
      const hasNode = typeof dot === 'object' && dot !== null && 'node' in dot;
      const entry = join(
        base,
        name,
        'src',
        hasNode && existsSync(join(base, name, 'src', 'node.ts')) ? 'node.ts' : 'index.ts',
      );
      // Subpath entries (e.g. @attnkit/conformance/vitest → src/vitest.ts).
      for (const sub of ['vitest', 'browser', 'node', 'chromium']) {
        const file = join(base, name, 'src', `${sub}.ts`);
        if (existsSync(file)) aliases.push({ find: new RegExp(`^${escaped}\\/${sub}$`), replacement: file });
      }
      if (existsSync(entry)) aliases.push({ find: new RegExp(`^${escaped}$`), replacement: entry });
    }
  }
  return aliases;
}
