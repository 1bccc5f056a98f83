// A new user's page: attnkit bundled by esbuild with nothing else served (no TensorFlow.js .wasm files),
// select() with the defaults (or `?force=NAME`), then one causal attention call large enough for threads.
import { select } from 'attnkit';
import { causalCheck } from './causal-check.js';

const out = document.getElementById('out');
const force = new URLSearchParams(location.search).get('force') ?? undefined;
try {
  const { backend, report } = await select(force ? { force } : {});
  const maxErr = await causalCheck(backend);
  const info = { ...backend.info };
  await backend.dispose();
  out.textContent = JSON.stringify({
    chosen: backend.name,
    report,
    info,
    maxErr,
    cores: navigator.hardwareConcurrency,
  });
} catch (e) {
  out.textContent = JSON.stringify({ error: String((e && e.message) || e) });
}
