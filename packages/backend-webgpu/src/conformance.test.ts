import { runConformance } from '@attnkit/conformance/vitest';
import { plugin } from './node.js';

runConformance(plugin, { createOptions: { checkErrors: true } });
