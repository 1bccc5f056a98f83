// A browser user's page script: select a backend, run attention, show the result.
import { select } from 'attnkit';

const out = document.getElementById('out');
try {
  const { backend, report } = await select({
    createOptions: { tfjs: { wasmPaths: new URL('./', location.href).href } },
  });
  const S = 6,
    D = 4;
  const ones = { shape: [1, 1, S, D], data: new Float32Array(S * D).fill(1) };
  const v = { shape: [1, 1, S, D], data: Float32Array.from({ length: S * D }, (_, i) => Math.floor(i / D)) };
  const { output } = await backend.attention(ones, ones, v);
  out.textContent = JSON.stringify({ chosen: backend.name, report, first: Array.from(output.data.subarray(0, D)) });
} catch (e) {
  out.textContent = JSON.stringify({ error: String((e && e.message) || e) });
}
