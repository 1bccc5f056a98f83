/** Drawing on canvases: the log-mel spectrogram, the label track and an attention matrix. */
import { CLASSES } from '../labels/classes.js';
import type { Segment } from '../labels/segments.js';

/** A colour per class. */
export const CLASS_COLOURS: Readonly<Record<(typeof CLASSES)[number], string>> = {
  sil: '#9e9e9e',
  vowel: '#d62728',
  approximant: '#ff7f0e',
  nasal: '#8c564b',
  voiced_fricative: '#2ca02c',
  unvoiced_fricative: '#17becf',
  voiced_stop: '#1f77b4',
  unvoiced_stop: '#9467bd',
};

/** Viridis-like colour for v in [0, 1]. */
function heat(v: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.max(0, Math.min(1, v)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x)),
    f = x - i;
  const a = stops[i]!,
    b = stops[i + 1]!;
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

/** Draws normalised features `[T, F]` (low bands at the bottom), time stretched to the canvas width. */
export function drawSpectrogram(canvas: HTMLCanvasElement, features: Float32Array, F: number): void {
  const ctx = canvas.getContext('2d')!;
  const T = features.length / F;
  const { width: W, height: H } = canvas;
  const img = ctx.createImageData(W, H);
  for (let x = 0; x < W; x++) {
    const t = Math.min(T - 1, Math.floor((x * T) / W));
    for (let y = 0; y < H; y++) {
      const f = F - 1 - Math.floor((y * F) / H);
      setHeat(img, (y * W + x) * 4, (features[t * F + f]! + 2.5) / 5);
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** Draws segments as coloured spans over `duration` seconds, and marks the attention excerpt. */
export function drawLabels(
  canvas: HTMLCanvasElement,
  segments: readonly Segment[],
  duration: number,
  excerpt?: { start: number; end: number },
): void {
  const ctx = canvas.getContext('2d')!;
  const { width: W, height: H } = canvas;
  ctx.clearRect(0, 0, W, H);
  for (const s of segments) {
    ctx.fillStyle = CLASS_COLOURS[s.label];
    const x0 = (s.start / duration) * W,
      x1 = (s.end / duration) * W;
    ctx.fillRect(x0, 0, Math.max(1, x1 - x0), H - 4);
  }
  if (excerpt) {
    ctx.fillStyle = '#000';
    ctx.fillRect((excerpt.start / duration) * W, H - 3, Math.max(2, ((excerpt.end - excerpt.start) / duration) * W), 3);
  }
}

/** Draws one head's attention probabilities `[S, S]` (rows: queries, columns: keys), brighter = more. */
export function drawAttention(canvas: HTMLCanvasElement, probs: Float32Array, S: number): void {
  const ctx = canvas.getContext('2d')!;
  const { width: W, height: H } = canvas;
  const img = ctx.createImageData(W, H);
  let max = 0;
  for (const p of probs) max = Math.max(max, p);
  for (let y = 0; y < H; y++) {
    const q = Math.min(S - 1, Math.floor((y * S) / H));
    for (let x = 0; x < W; x++) {
      const k = Math.min(S - 1, Math.floor((x * S) / W));
      setHeat(img, (y * W + x) * 4, Math.sqrt(probs[q * S + k]! / (max || 1)));
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** Fills `el` with one coloured chip per class. */
export function drawLegend(el: HTMLElement): void {
  el.innerHTML = CLASSES.map((c) => `<span style="background:${CLASS_COLOURS[c]}">${c}</span>`).join('');
}

/** Writes the heat colour of `v` (0..1) as an opaque pixel at byte offset `o`. */
function setHeat(img: ImageData, o: number, v: number): void {
  const [r, g, b] = heat(v);
  img.data[o] = r;
  img.data[o + 1] = g;
  img.data[o + 2] = b;
  img.data[o + 3] = 255;
}

/** A tick step (seconds) giving at most about `most` ticks over `duration`. */
export function tickStep(duration: number, most = 10): number {
  const steps = [0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
  return steps.find((s) => duration / s <= most) ?? Math.ceil(duration / most / 3600) * 3600;
}

/** Formats seconds as a tick label: `0.5 s`, `12 s`, `1:30`, `1:02:00`. */
export function formatTick(t: number, step: number): string {
  if (step < 1) return `${t.toFixed(step < 0.1 ? 2 : 1)} s`;
  if (t < 60 || step < 60)
    return t < 60 ? `${Math.round(t)} s` : `${Math.floor(t / 60)}:${String(Math.round(t % 60)).padStart(2, '0')}`;
  const h = Math.floor(t / 3600),
    m = Math.floor((t % 3600) / 60);
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:00` : `${m}:00`;
}

/** Draws a time axis over `duration` seconds: a tick and its label at each multiple of the step. */
export function drawTimeAxis(canvas: HTMLCanvasElement, duration: number): void {
  const ctx = canvas.getContext('2d')!;
  const { width: W, height: H } = canvas;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = '#333';
  ctx.strokeStyle = '#333';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  const step = tickStep(duration);
  for (let k = 0; k * step <= duration + 1e-9; k++) {
    const t = k * step,
      x = Math.round((t / duration) * (W - 1)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, 5);
    ctx.stroke();
    const text = formatTick(t, step);
    const w = ctx.measureText(text).width;
    ctx.fillText(text, Math.max(0, Math.min(W - w, x - w / 2)), 7);
  }
}

/** Band centres (Hz) to label on the frequency axis. */
const FREQ_TICKS = [100, 250, 500, 1000, 2000, 4000, 8000];

/**
 * Draws the frequency axis of a spectrogram of `centres.length` bands (low bands at the bottom): each
 * labelled frequency at the height of the band whose centre is nearest to it.
 */
export function drawFreqAxis(canvas: HTMLCanvasElement, centres: readonly number[]): void {
  const ctx = canvas.getContext('2d')!;
  const { width: W, height: H } = canvas;
  const F = centres.length;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = '#333';
  ctx.strokeStyle = '#333';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  for (const f of FREQ_TICKS) {
    if (f < centres[0]! * 0.8 || f > centres[F - 1]! * 1.25) continue;
    let b = 0;
    for (let i = 1; i < F; i++) if (Math.abs(centres[i]! - f) < Math.abs(centres[b]! - f)) b = i;
    const y = Math.round(H - ((b + 0.5) / F) * H) + 0.5;
    ctx.beginPath();
    ctx.moveTo(W - 5, y);
    ctx.lineTo(W, y);
    ctx.stroke();
    const text = f >= 1000 ? `${f / 1000}k` : String(f);
    ctx.fillText(text, W - 7 - ctx.measureText(text).width, Math.max(6, Math.min(H - 6, y)));
  }
}
