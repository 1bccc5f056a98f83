// One causal attention call large enough for the worker threads (B1 H8 S512 D64), and the largest error of
// rows 0..3 of head 0 against a float64 reference (row i sees keys 0..i). Shared by the test pages.
export async function causalCheck(backend) {
  const [B, H, S, D] = [1, 8, 512, 64];
  const fill = (seed) => Float32Array.from({ length: B * H * S * D }, (_, i) => Math.sin(i * 0.37 + seed));
  const q = { shape: [B, H, S, D], data: fill(1) };
  const k = { shape: [B, H, S, D], data: fill(2) };
  const v = { shape: [B, H, S, D], data: fill(3) };
  const { output } = await backend.attention(q, k, v, { causal: true });
  let maxErr = 0;
  for (let i = 0; i < 4; i++) {
    const s = [];
    for (let j = 0; j <= i; j++) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += q.data[i * D + d] * k.data[j * D + d];
      s.push(dot / Math.sqrt(D));
    }
    const m = Math.max(...s);
    const e = s.map((x) => Math.exp(x - m));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let d = 0; d < D; d++) {
      let o = 0;
      for (let j = 0; j <= i; j++) o += (e[j] / sum) * v.data[j * D + d];
      maxErr = Math.max(maxErr, Math.abs(o - output.data[i * D + d]));
    }
  }
  return maxErr;
}
