/**
 * The page: a dropped WAV (or a recording from the microphone) is labelled in the browser with a browser
 * backend; the spectrogram (with time and frequency axes), the label track and the attention matrix of a
 * chosen layer and head are drawn. The audio plays with a cursor moving over the tracks; hovering shows
 * the time, label and confidence (the tracks) or the attention weight (the matrix); the labels download
 * as JSON, TextGrid or CSV; the backend that ran and the time it took are shown.
 *
 * After each labelling, `window.speechLabeler` holds the result (frames, labels, backend, timings) and
 * `document.body.dataset.state` is `done` (or `error`), for tests and curious users.
 */
import type { Backend } from '@attnkit/core';
import { formatReport } from '@attnkit/core';
import { readAll, wavBytesStream, SAMPLE_RATE, type AudioStream } from '../audio/audio-source.js';
import { Resampler } from '../audio/resample.js';
import type { WavInfo } from '../audio/wav-header.js';
import { loadModelFromBytes, type LoadedModel } from '../model/model-file.js';
import { createLabeler, type LabelResult, type Labeler } from '../pipeline/labeler.js';
import { browserCreateOptions, createBrowserRegistry, pageDtype } from './browser-backends.js';
import type { ModelDtype } from '../pipeline/labeler.js';
import { melFilterbank } from '../features/mel-filterbank.js';
import { CLASSES } from '../labels/classes.js';
import { FORMAT_EXTENSIONS, formatSegments, type OutputFormat } from '../labels/formats.js';
import { drawAttention, drawFreqAxis, drawLabels, drawLegend, drawSpectrogram, drawTimeAxis } from './draw.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = (text: string, error = false): void => {
  const el = $('status');
  el.textContent = text;
  el.className = error ? 'error' : '';
};

/** Frames of the attention excerpt. */
const EXCERPT = 300;

interface State {
  loaded?: LoadedModel;
  backend?: Backend;
  labeler?: Labeler;
  result?: LabelResult;
  /** The labelled audio (16 kHz mono), for playback. */
  samples?: Float32Array;
  excerptStart: number;
  /** The attention matrix drawn: one head's `[S, S]` probabilities of frames `start ..`. */
  attention?: { probs: Float32Array; S: number; start: number };
  playing?: { ctx: AudioContext; source: AudioBufferSourceNode; t0: number };
}
const state: State = { excerptStart: 0 };
/** `?dtype=float16`: the model's weights in float16 (backends with models:float16). */
let dtype: ModelDtype = 'float32';

declare global {
  interface Window {
    speechLabeler?: {
      frames: number;
      labels: number[];
      segments: number;
      backend: string;
      /** The dtype the model holds its weights in. */
      dtype: ModelDtype;
      backendInfo: Record<string, unknown>;
      duration: number;
      /** Milliseconds: reading and features, the model, and the whole labelling. */
      timings: { features: number; model: number; total: number };
      attention?: { layer: number; head: number; size: number };
    };
  }
}

async function loadModel(): Promise<LoadedModel> {
  const [json, weights] = await Promise.all([
    fetch('model/model.json').then((r) => r.text()),
    fetch('model/weights.safetensors').then((r) => r.arrayBuffer()),
  ]);
  return loadModelFromBytes(json, new Uint8Array(weights));
}

async function useBackend(name: string): Promise<void> {
  await state.labeler?.dispose();
  await state.backend?.dispose();
  const createOptions = browserCreateOptions(location.href);
  // float16 on auto: the first backend with models:float16; a named one without it is refused by createLabeler.
  const auto = dtype === 'float16' ? { createOptions, require: ['models:float16' as const] } : { createOptions };
  const { backend, report } = await createBrowserRegistry().select(
    name === 'auto' ? auto : { force: name, createOptions },
  );
  console.info(formatReport(report));
  state.backend = backend;
  try {
    state.labeler = await createLabeler(backend, state.loaded!, {}, { dtype });
  } catch (e) {
    state.labeler = undefined;
    state.backend = undefined;
    await backend.dispose();
    throw e;
  }
}

/** Mono float samples at 16 kHz as a stream (the microphone path). */
function samplesStream(samples: Float32Array): AudioStream {
  const info: WavInfo = {
    encoding: 'float',
    bitsPerSample: 32,
    channels: 1,
    sampleRate: SAMPLE_RATE,
    dataOffset: 0,
    dataBytes: samples.length * 4,
    frames: samples.length,
  };
  return {
    info,
    length: samples.length,
    *blocks() {
      yield samples;
    },
  };
}

async function label(stream: AudioStream, name: string): Promise<void> {
  document.body.dataset.state = 'working';
  stopPlayback();
  status(`labelling ${name} on ${state.backend!.name}…`);
  const started = performance.now();
  const result = await state.labeler!.label(stream);
  const total = performance.now() - started;
  state.result = result;
  state.samples = readAll(stream);
  state.excerptStart = 0;
  const F = state.loaded!.file.features.bands;
  drawSpectrogram($('spectrogram'), result.features, F);
  drawTimeAxis($<HTMLCanvasElement>('time-axis'), result.duration);
  await drawExcerpt();
  offerDownloads(result, name);
  $<HTMLButtonElement>('play').disabled = false;
  window.speechLabeler = {
    frames: result.features.length / F,
    labels: Array.from(result.labels),
    segments: result.segments.length,
    backend: state.backend!.name,
    dtype: state.labeler!.dtype,
    backendInfo: { ...state.backend!.info },
    duration: result.duration,
    timings: { features: result.timings.read + result.timings.features, model: result.timings.model, total },
    ...(window.speechLabeler?.attention ? { attention: window.speechLabeler.attention } : {}),
  };
  const t = result.timings;
  status(
    `${name}: ${result.duration.toFixed(2)} s, ${result.labels.length} frames, ${result.segments.length} segments`,
  );
  $('run-info').textContent =
    `Labelled on ${state.backend!.name}${dtype === 'float16' ? ' (float16 weights)' : ''} in ${total.toFixed(0)} ms ` +
    `(features ${(t.read + t.features).toFixed(0)} ms, model ${t.model.toFixed(0)} ms): ` +
    `${(result.duration / (total / 1000)).toFixed(0)}× real time`;
  document.body.dataset.state = 'done';
}

/** Points the download links at the labels in each format, named after the file. */
function offerDownloads(result: LabelResult, name: string): void {
  const base = name.replace(/\.wav$/i, '');
  const types: Record<OutputFormat, string> = { json: 'application/json', textgrid: 'text/plain', csv: 'text/csv' };
  for (const format of ['json', 'textgrid', 'csv'] as const) {
    const a = $<HTMLAnchorElement>(`download-${format}`);
    if (a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
    const text = formatSegments(result.segments, format, result.duration);
    a.href = URL.createObjectURL(new Blob([text], { type: types[format] }));
    a.download = base + FORMAT_EXTENSIONS[format];
  }
}

/** Seconds per frame. */
const frameSeconds = (): number => state.loaded!.file.features.hop / state.loaded!.file.features.sampleRate;

function stopPlayback(): void {
  const p = state.playing;
  if (!p) return;
  state.playing = undefined;
  p.source.onended = null;
  p.source.stop();
  void p.ctx.close();
  $('cursor').style.display = 'none';
  $('play').textContent = 'Play';
}

/** Plays the labelled audio from the start, moving the cursor over the tracks. */
function play(): void {
  const samples = state.samples,
    r = state.result;
  if (!samples || !r) return;
  const ctx = new AudioContext();
  const buffer = ctx.createBuffer(1, Math.max(1, samples.length), SAMPLE_RATE);
  buffer.getChannelData(0).set(samples);
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  source.connect(ctx.destination);
  source.onended = () => stopPlayback();
  source.start();
  state.playing = { ctx, source, t0: ctx.currentTime };
  $('play').textContent = 'Stop';
  const cursor = $('cursor'),
    width = $('spectrogram').clientWidth;
  cursor.style.display = 'block';
  const tick = (): void => {
    const p = state.playing;
    if (!p || p.source !== source) return;
    const t = Math.min(r.duration, p.ctx.currentTime - p.t0);
    cursor.style.left = `${((t / r.duration) * width).toFixed(1)}px`;
    cursor.dataset.time = t.toFixed(3);
    requestAnimationFrame(tick);
  };
  tick();
}

/** The readout for a point of the tracks at `x` of `width` pixels. */
function trackReadout(x: number, width: number, yFraction?: number): string {
  const r = state.result!;
  const T = r.labels.length;
  const t = Math.max(0, Math.min(T - 1, Math.floor((x / width) * T)));
  const label = CLASSES[r.labels[t]!]!;
  let text = `${((t + 0.5) * frameSeconds()).toFixed(3)} s (frame ${t}): ${label}, confidence ${r.confidence[t]!.toFixed(2)}`;
  if (yFraction !== undefined) {
    const cfg = state.loaded!.file.features;
    const bands = melFilterbank(cfg.bands, cfg.fftSize, cfg.sampleRate, cfg.fMin, cfg.fMax);
    const b = Math.max(0, Math.min(cfg.bands - 1, cfg.bands - 1 - Math.floor(yFraction * cfg.bands)));
    text += `; band ${b} (${Math.round(bands[b]!.centre)} Hz)`;
  }
  return text;
}

/** The readout for a point of the attention matrix: query and key times and the weight. */
function attentionReadout(x: number, y: number, size: number): string {
  const a = state.attention!;
  const q = Math.min(a.S - 1, Math.floor((y / size) * a.S)),
    k = Math.min(a.S - 1, Math.floor((x / size) * a.S));
  const fs = frameSeconds();
  return (
    `query ${((a.start + q + 0.5) * fs).toFixed(3)} s → key ${((a.start + k + 0.5) * fs).toFixed(3)} s: ` +
    `attention weight ${a.probs[q * a.S + k]!.toFixed(4)}`
  );
}

/** Runs the model on the excerpt with attention weights and draws the chosen layer and head. */
async function drawExcerpt(): Promise<void> {
  const r = state.result;
  if (!r) return;
  const F = state.loaded!.file.features.bands;
  const T = r.labels.length;
  const start = Math.max(0, Math.min(state.excerptStart, T - EXCERPT));
  const S = Math.min(EXCERPT, T);
  const layer = Number(($('layer') as HTMLSelectElement).value),
    head = Number(($('head') as HTMLSelectElement).value);
  const out = await state.labeler!.model.run(
    { shape: [1, S, F], data: r.features.slice(start * F, (start + S) * F) },
    { attentionOf: [layer] },
  );
  const a = out.attention![0]!;
  const probs = a.data.slice(head * S * S, (head + 1) * S * S);
  state.attention = { probs, S, start };
  drawAttention($('attention'), probs, S);
  const fs = state.loaded!.file.features.hop / state.loaded!.file.features.sampleRate;
  drawLabels($('labels'), r.segments, r.duration, { start: start * fs, end: (start + S) * fs });
  window.speechLabeler = { ...window.speechLabeler!, attention: { layer, head, size: S } };
}

async function onFile(file: File): Promise<void> {
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    await label(wavBytesStream(bytes, file.name), file.name);
  } catch (e) {
    stopPlayback();
    status((e as Error).message, true);
    document.body.dataset.state = 'error';
  }
}

let recording: { stop(): Promise<Float32Array> } | undefined;

async function startRecording(): Promise<{ stop(): Promise<Float32Array> }> {
  const media = await navigator.mediaDevices.getUserMedia({ audio: true });
  const ctx = new AudioContext();
  const source = ctx.createMediaStreamSource(media);
  // A ScriptProcessorNode runs in every browser without a worklet module to serve; an AudioWorklet would
  // replace it (the three deprecated names below are that one node's API).
  // oxlint-disable-next-line typescript/no-deprecated
  const node = ctx.createScriptProcessor(4096, 1, 1);
  const resampler = new Resampler(ctx.sampleRate, SAMPLE_RATE);
  const parts: Float32Array[] = [];
  // oxlint-disable-next-line typescript/no-deprecated
  node.onaudioprocess = (ev) => parts.push(resampler.push(ev.inputBuffer.getChannelData(0).slice()));
  source.connect(node);
  node.connect(ctx.destination);
  return {
    async stop() {
      node.disconnect();
      source.disconnect();
      media.getTracks().forEach((t) => t.stop());
      await ctx.close();
      parts.push(resampler.flush());
      const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return out;
    },
  };
}

async function init(): Promise<void> {
  drawLegend($('legend'));
  status('loading the model…');
  state.loaded = await loadModel();
  const spec = state.loaded.file.spec;
  const cfg = state.loaded.file.features;
  drawFreqAxis(
    $<HTMLCanvasElement>('freq-axis'),
    melFilterbank(cfg.bands, cfg.fftSize, cfg.sampleRate, cfg.fMin, cfg.fMax).map((b) => b.centre),
  );
  const select = (id: string, n: number): void => {
    $(id).innerHTML = Array.from({ length: n }, (_, i) => `<option value="${i}">${i}</option>`).join('');
  };
  select('layer', spec.layers);
  select('head', spec.heads);
  const wanted = new URLSearchParams(location.search).get('backend') ?? 'auto';
  dtype = pageDtype(location.search);
  const names = [
    'auto',
    ...createBrowserRegistry()
      .plugins()
      .map((p) => p.plugin.name),
  ];
  $('backend').innerHTML = names.map((n) => `<option ${n === wanted ? 'selected' : ''}>${n}</option>`).join('');
  await useBackend(wanted);
  status(`ready (backend ${state.backend!.name}); drop a WAV file`);
  document.body.dataset.state = 'ready';

  $('backend').addEventListener('change', async (e) => {
    try {
      await useBackend((e.target as HTMLSelectElement).value);
      status(`backend ${state.backend!.name}`);
    } catch (err) {
      status((err as Error).message, true);
    }
  });
  for (const id of ['layer', 'head']) $(id).addEventListener('change', () => void drawExcerpt());
  $('spectrogram').addEventListener('click', (e) => {
    if (!state.result) return;
    const c = e.currentTarget as HTMLCanvasElement;
    const T = state.result.labels.length;
    state.excerptStart = Math.max(0, Math.round((e.offsetX / c.clientWidth) * T - EXCERPT / 2));
    void drawExcerpt();
  });
  $('play').addEventListener('click', () => (state.playing ? stopPlayback() : play()));
  const readout = $('readout');
  for (const id of ['spectrogram', 'labels']) {
    $(id).addEventListener('mousemove', (e) => {
      if (!state.result) return;
      const c = e.currentTarget as HTMLCanvasElement;
      readout.textContent = trackReadout(
        e.offsetX,
        c.clientWidth,
        id === 'spectrogram' ? e.offsetY / c.clientHeight : undefined,
      );
    });
  }
  $('attention').addEventListener('mousemove', (e) => {
    if (!state.attention) return;
    readout.textContent = attentionReadout(e.offsetX, e.offsetY, (e.currentTarget as HTMLCanvasElement).clientWidth);
  });
  $<HTMLInputElement>('file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) void onFile(f);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void onFile(f);
  });
  $('mic').addEventListener('click', async () => {
    try {
      if (!recording) {
        recording = await startRecording();
        $('mic').textContent = 'Stop and label';
        status('recording…');
      } else {
        const samples = await recording.stop();
        recording = undefined;
        $('mic').textContent = 'Record from microphone';
        await label(samplesStream(samples), 'recording');
      }
    } catch (e) {
      status(`microphone: ${(e as Error).message}`, true);
    }
  });
}

init().catch((e: Error) => {
  status(e.message, true);
  document.body.dataset.state = 'error';
});
