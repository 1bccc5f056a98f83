/**
 * The page: a dropped WAV (or a recording from the microphone) is labelled in the browser with a browser
 * backend; the spectrogram, the label track and the attention matrix of a chosen layer and head are drawn.
 *
 * After each labelling, `window.speechLabeler` holds the result (frames, labels, backend) and
 * `document.body.dataset.state` is `done` (or `error`), for tests and curious users.
 */
import type { Backend } from '@attnkit/core';
import { formatReport } from '@attnkit/core';
import { wavBytesStream, SAMPLE_RATE, type AudioStream } from '../audio/audio-source.js';
import { Resampler } from '../audio/resample.js';
import type { WavInfo } from '../audio/wav-header.js';
import { loadModelFromBytes, type LoadedModel } from '../model/model-file.js';
import { createLabeler, type LabelResult, type Labeler } from '../pipeline/labeler.js';
import { browserCreateOptions, createBrowserRegistry } from './browser-backends.js';
import { drawAttention, drawLabels, drawLegend, drawSpectrogram } from './draw.js';

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
  excerptStart: number;
}
const state: State = { excerptStart: 0 };

declare global {
  interface Window {
    speechLabeler?: {
      frames: number;
      labels: number[];
      segments: number;
      backend: string;
      backendInfo: Record<string, unknown>;
      duration: number;
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
  const { backend, report } = await createBrowserRegistry().select(
    name === 'auto' ? { createOptions } : { force: name, createOptions },
  );
  console.info(formatReport(report));
  state.backend = backend;
  state.labeler = await createLabeler(backend, state.loaded!);
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
  status(`labelling ${name} on ${state.backend!.name}…`);
  const result = await state.labeler!.label(stream);
  state.result = result;
  state.excerptStart = 0;
  const F = state.loaded!.file.features.bands;
  drawSpectrogram($('spectrogram'), result.features, F);
  await drawExcerpt();
  window.speechLabeler = {
    frames: result.features.length / F,
    labels: Array.from(result.labels),
    segments: result.segments.length,
    backend: state.backend!.name,
    backendInfo: { ...state.backend!.info },
    duration: result.duration,
    ...(window.speechLabeler?.attention ? { attention: window.speechLabeler.attention } : {}),
  };
  const t = result.timings;
  status(
    `${name}: ${result.duration.toFixed(2)} s, ${result.labels.length} frames, ${result.segments.length} segments on ${state.backend!.name} ` +
      `(features ${(t.read + t.features).toFixed(0)} ms, model ${t.model.toFixed(0)} ms)`,
  );
  document.body.dataset.state = 'done';
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
  drawAttention($('attention'), a.data.subarray(head * S * S, (head + 1) * S * S), S);
  const fs = state.loaded!.file.features.hop / state.loaded!.file.features.sampleRate;
  drawLabels($('labels'), r.segments, r.duration, { start: start * fs, end: (start + S) * fs });
  window.speechLabeler = { ...window.speechLabeler!, attention: { layer, head, size: S } };
}

async function onFile(file: File): Promise<void> {
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    await label(wavBytesStream(bytes, file.name), file.name);
  } catch (e) {
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
  const select = (id: string, n: number): void => {
    $(id).innerHTML = Array.from({ length: n }, (_, i) => `<option value="${i}">${i}</option>`).join('');
  };
  select('layer', spec.layers);
  select('head', spec.heads);
  const wanted = new URLSearchParams(location.search).get('backend') ?? 'auto';
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
