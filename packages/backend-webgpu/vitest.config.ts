import { existsSync } from 'node:fs';
import { defineProject } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared.js';

/**
 * Without a GPU, Dawn needs a Vulkan driver: Debian's chromium package ships SwiftShader's. Point the
 * Vulkan loader at it unless the environment already chose a driver (the plugin does the same in Node
 * when no adapter is found otherwise; setting it here just skips that first attempt).
 */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const env: Record<string, string> = {};
if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD))
  env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

export default defineProject({
  resolve: { alias: workspaceAliases() },
  test: {
    name: 'backend-webgpu',
    env,
    // One adapter, one software device per file at a time: the files share two cores.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
