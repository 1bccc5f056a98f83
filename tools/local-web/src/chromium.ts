/**
 * Headless Chromium for the browser tests and scripts, started one way everywhere: the system `chromium`
 * (never a downloaded browser), a fresh profile that is removed on close, and one set of flags.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** The Chromium binary: `$CHROMIUM_PATH`, or Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why Chromium cannot start here, or undefined when the binary is present. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `no Chromium at ${CHROMIUM_PATH} (install it with \`apt-get install -y chromium\`, or set CHROMIUM_PATH)`;
}

/** WebGPU in the page: off, on with whatever adapter Chromium finds, or on the SwiftShader software adapter. */
export type ChromiumWebGpu = false | 'default' | 'swiftshader';

/** The command-line flags for a headless run that touches no network service and no shared profile. */
export function chromiumArgs(webgpu: ChromiumWebGpu = false): string[] {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ];
  if (webgpu !== false) args.push('--enable-unsafe-webgpu');
  if (webgpu === 'swiftshader') {
    args.push('--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader');
  }
  return args;
}

/** A started browser: its context, its first page, and `close()`, which also removes the profile. */
export interface Chromium {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with a fresh profile.
 *
 * @example
 * ```ts
 * const browser = await launchChromium({ webgpu: 'swiftshader' });
 * try { await browser.page.goto(url); } finally { await browser.close(); }
 * ```
 */
export async function launchChromium(
  options: { webgpu?: ChromiumWebGpu; viewport?: { width: number; height: number } } = {},
): Promise<Chromium> {
  const missing = chromiumMissing();
  if (missing !== undefined) throw new Error(missing);
  const profile = mkdtempSync(join(tmpdir(), 'attnkit-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: chromiumArgs(options.webgpu),
      ...(options.viewport ? { viewport: options.viewport } : {}),
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
