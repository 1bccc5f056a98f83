import { describe, expect, it } from 'vitest';
import { BackendError } from '@attnkit/core';
import { plugin as ts } from '@attnkit/backend-ts';
import { optionalPlugin, type OptionalBackend } from './optional.js';
import { selectFrom } from './select.js';

// A package that is not installed anywhere: the import fails as it does for a missing optional peer.
const missingPackage = '@attnkit/backend-not-installed';
const missing: OptionalBackend = {
  name: 'missing',
  package: missingPackage,
  install: `npm i ${missingPackage} its-engine`,
  load: async () => (await import(/* @vite-ignore */ missingPackage)).plugin,
};

describe('optional backends', () => {
  it('a missing package is unavailable, with the exact install command', async () => {
    const r = await optionalPlugin(missing).probe();
    expect(r).toEqual({
      available: false,
      reason: `not installed (optional); install it with: npm i ${missingPackage} its-engine`,
    });
  });

  it('creating a missing one throws a typed error naming the command', async () => {
    const e = await optionalPlugin(missing)
      .create()
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BackendError);
    expect(e).toMatchObject({ code: 'ERR_BACKEND' });
    expect((e as Error).message).toContain(`npm i ${missingPackage} its-engine`);
  });

  it('a package that fails for another reason says so, not "not installed"', async () => {
    const broken: OptionalBackend = {
      ...missing,
      load: () => Promise.reject(new SyntaxError('Unexpected token in engine.js')),
    };
    const r = await optionalPlugin(broken).probe();
    expect(r.available).toBe(false);
    expect(r.reason).toMatch(/could not be loaded \(Unexpected token in engine\.js\); reinstall it with: npm i /);
  });

  it('an installed one defers to its plugin, loading once', async () => {
    let loads = 0;
    const p = optionalPlugin({
      ...missing,
      name: 'ts',
      load: async () => {
        loads++;
        return ts;
      },
    });
    expect(await p.probe()).toEqual(await ts.probe());
    const backend = await p.create();
    expect(backend.name).toBe('ts');
    await backend.dispose();
    expect(loads).toBe(1);
  });

  it('selection falls through a missing backend and reports it', async () => {
    const { backend, report } = await selectFrom([
      { plugin: optionalPlugin(missing), priority: 20, why: '', devices: ['cpu'] },
      { plugin: ts, priority: 10, why: '', devices: ['cpu'] },
    ]);
    expect(backend.name).toBe('ts');
    expect(report[0]).toMatchObject({ name: 'missing', status: 'unavailable' });
    expect(report[0]?.reason).toContain(`npm i ${missingPackage} its-engine`);
    await backend.dispose();
  });
});
