// A page that uses the TypeScript backend alone, bundled by Vite or webpack with nothing else served: one
// causal attention call large enough for the worker threads, checked against a float64 reference.
import { plugin } from '@attnkit/backend-ts';
import { causalCheck } from './causal-check.js';

const out = document.getElementById('out');
try {
  const backend = await plugin.create();
  const maxErr = await causalCheck(backend);
  const info = { ...backend.info };
  await backend.dispose();
  out.textContent = JSON.stringify({ info, maxErr, cores: navigator.hardwareConcurrency });
} catch (e) {
  out.textContent = JSON.stringify({ error: String((e && e.message) || e) });
}
