import { runConformance } from '@attnkit/conformance/vitest';
import { plugin } from './index.js';

runConformance(plugin);
