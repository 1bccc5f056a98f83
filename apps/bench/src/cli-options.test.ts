import { cac } from 'cac';
import { describe, expect, it } from 'vitest';
import { hideNegatedDefaults } from './cli-options.js';

function build() {
  const cli = cac('tool');
  let seen: Record<string, unknown> | undefined;
  const command = cli
    .command('', 'run')
    .option('--no-peers', 'Run no peer')
    .option('--window <n>', 'Keys', { default: 128 })
    .action((o: Record<string, unknown>) => {
      seen = o;
    });
  hideNegatedDefaults(command);
  return { cli, options: () => seen };
}

function help(cli: ReturnType<typeof cac>): string {
  const lines: string[] = [];
  const info = console.info;
  console.info = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    cli.outputHelp();
  } finally {
    console.info = info;
  }
  return lines.join('\n');
}

describe('hideNegatedDefaults', () => {
  it('prints no default after a negated option, and keeps the others', () => {
    const { cli } = build();
    cli.parse(['node', 'tool'], { run: false });
    const text = help(cli);
    expect(text).toMatch(/--no-peers\s+Run no peer\s*\n/);
    expect(text).not.toMatch(/--no-peers.*default/);
    expect(text).toMatch(/--window <n>\s+Keys \(default: 128\)/);
  });

  it('still parses --no-peers as peers: false, and its absence as not false', () => {
    for (const [argv, peers] of [
      [[], undefined],
      [['--no-peers'], false],
    ] as const) {
      const { cli, options } = build();
      cli.parse(['node', 'tool', ...argv], { run: false });
      void cli.runMatchedCommand();
      expect(options()?.peers).toBe(peers);
    }
  });
});
