/**
 * The dashboard page: loads results files (file input, drag and drop, `?results=URL`), charts them per
 * case family, compares two of them, lists every result, and runs the browser engines live.
 *
 * `body[data-state]` is `loading` until the files named in the address are loaded, then `ready`;
 * `body[data-live]` follows the in-browser run (`idle`, `running`, `done`, `failed`).
 */
import { fmtMs, formatMachine } from '../format.js';
import { validateResults } from '../results-schema.js';
import { stringifyResults, type ResultsFile } from '../results.js';
import { browserCatalog } from './browser-catalog.js';
import { MetricChart } from './charts.js';
import { compareRuns } from './compare.js';
import { fill, h } from './dom.js';
import { runInBrowser, type Preset } from './live-run.js';
import { buildSeries, familiesOf, groupOf, type Axis, type LoadedRun, type Metric } from './series.js';
import { renderTable } from './table-view.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const runs: LoadedRun[] = [];
let nextId = 1;
let family: string | undefined;
let axis: Axis = 'seq';
const charts = (['time', 'gflops', 'ratio', 'memory'] as Metric[]).map((m) => ({
  metric: m,
  chart: new MetricChart($(`chart-${m}`), m),
}));
const catalog = browserCatalog();

function showError(message: string): void {
  const el = $('errors');
  el.textContent = el.textContent ? `${el.textContent}\n${message}` : message;
}

function addRun(label: string, json: unknown): void {
  const file = validateResults(json);
  runs.push({ id: nextId++, label, file });
  render();
}

async function loadUrl(url: string): Promise<void> {
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    addRun(decodeURIComponent(url.split('/').pop() || url), await res.json());
  } catch (e) {
    showError(`${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function loadFiles(files: FileList | readonly File[]): Promise<void> {
  for (const f of Array.from(files)) {
    try {
      addRun(f.name, JSON.parse(await f.text()));
    } catch (e) {
      showError(`${f.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function describeRun(run: LoadedRun): HTMLElement {
  const f: ResultsFile = run.file;
  const ok = f.results.filter((r) => r.status === 'ok').length;
  const unavailable = f.engines.filter((e) => !e.available);
  return h(
    'li',
    { 'data-run': String(run.id) },
    h('button', { type: 'button', title: 'remove', 'data-remove': String(run.id) }, '✕'),
    h('strong', {}, run.label),
    ' ',
    h(
      'span',
      { class: 'meta' },
      `${f.source === 'browser' ? 'in-browser run' : `${f.config.mode} run`}, ${new Date(f.createdAt).toLocaleString()}, ${f.cases.length} cases, ${ok} results`,
    ),
    h('div', { class: 'meta' }, formatMachine(f.machine)),
    unavailable.length > 0
      ? h(
          'details',
          {},
          h('summary', {}, `${unavailable.length} engine(s) unavailable`),
          ...unavailable.map((e) => h('div', { class: 'meta' }, `${e.id}: ${e.reason ?? ''}`)),
        )
      : null,
  );
}

function renderFamilies(): void {
  const families = familiesOf(runs, axis);
  if (!family || !families.some((f) => f.family === family)) family = families[0]?.family;
  fill(
    $('family'),
    ...families.map((f) => {
      const o = h('option', { value: f.family }, `${f.label} (${f.lengths} point${f.lengths === 1 ? '' : 's'})`);
      o.selected = f.family === family;
      return o;
    }),
  );
}

function renderCompare(): void {
  const section = $('compare');
  section.hidden = runs.length < 2;
  if (runs.length < 2) return;
  const before = $<HTMLSelectElement>('compare-before');
  const after = $<HTMLSelectElement>('compare-after');
  const pick = (sel: HTMLSelectElement, fallback: number): number =>
    Number(sel.value) && runs.some((r) => r.id === Number(sel.value)) ? Number(sel.value) : runs[fallback]!.id;
  const [b, a] = [pick(before, 0), pick(after, runs.length - 1)];
  for (const [sel, chosen] of [
    [before, b],
    [after, a],
  ] as const) {
    fill(
      sel,
      ...runs.map((r) => {
        const o = h('option', { value: String(r.id) }, r.label);
        o.selected = r.id === chosen;
        return o;
      }),
    );
  }
  const { rows, engines } = compareRuns(runs.find((r) => r.id === b)!.file, runs.find((r) => r.id === a)!.file);
  fill(
    $('compare-summary'),
    ...(engines.length === 0
      ? ['no case and engine measured in both']
      : engines.map((e) => h('span', {}, `${e.engine}: ×${e.geomean.toFixed(2)} (geometric mean of ${e.cases})`))),
  );
  fill(
    $('compare-body'),
    ...rows.map((r) =>
      h(
        'tr',
        {},
        h('td', {}, r.caseLabel),
        h('td', {}, r.engine),
        h('td', { class: 'num' }, fmtMs(r.beforeMs)),
        h('td', { class: 'num' }, fmtMs(r.afterMs)),
        h(
          'td',
          { class: `num ${r.change < 0.95 ? 'win' : r.change > 1.05 ? 'slower' : ''}` },
          `×${r.change.toFixed(2)}`,
        ),
      ),
    ),
  );
}

function renderTableView(): void {
  const all = $<HTMLInputElement>('table-all').checked;
  const n = renderTable(
    $<HTMLTableSectionElement>('table-body'),
    runs,
    all ? undefined : (c) => groupOf(c, axis) === family,
    $<HTMLInputElement>('table-filter').value,
  );
  $('table-count').textContent = `${n} rows`;
}

function render(): void {
  fill($('runs'), ...runs.map(describeRun));
  renderFamilies();
  const order = runs.map((r) => r.id);
  const labels = new Map(runs.map((r) => [r.id, r.label]));
  for (const { metric, chart } of charts)
    chart.update(family ? buildSeries(runs, family, metric, axis) : [], order, labels, axis);
  renderCompare();
  renderTableView();
}

function setupLive(): void {
  const box = $('live-engines');
  const defaults = new Set([
    'ts',
    'webgpu',
    'tfjs-wasm',
    'tfjs-wasm-ops',
    'ortweb-wasm',
    'ortweb-webgpu',
    'ortweb-webgpu-matmul',
  ]);
  for (const d of catalog) {
    const input = h('input', { type: 'checkbox', value: d.id, name: 'engine' });
    input.checked = defaults.has(d.id);
    box.append(h('label', { title: d.description }, input, ` ${d.id}${d.kind === 'peer' ? ' (peer)' : ''}`));
  }
  let count = 0;
  $('live-start').addEventListener('click', async () => {
    const ids = [...box.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    const preset = $<HTMLSelectElement>('live-preset').value as Preset;
    const button = $<HTMLButtonElement>('live-start');
    button.disabled = true;
    document.body.dataset.live = 'running';
    const bar = $<HTMLProgressElement>('live-bar');
    try {
      const file = await runInBrowser(catalog, ids, preset, (p) => {
        bar.max = Math.max(1, p.total);
        bar.value = p.done;
        $('live-status').textContent = `${p.done}/${p.total} ${p.text}`;
      });
      count++;
      addRun(`this browser${count > 1 ? ` #${count}` : ''}`, file);
      const skippedEngines = file.engines
        .filter((e) => !e.available)
        .map((e) => `${e.id} unavailable: ${e.reason ?? ''}`);
      const link = h(
        'a',
        {
          href: URL.createObjectURL(new Blob([stringifyResults(file)], { type: 'application/json' })),
          download: `bench-browser-${Date.now()}.json`,
        },
        'download the results',
      );
      fill(
        $('live-status'),
        `done: ${file.results.filter((r) => r.status === 'ok').length} results. `,
        link,
        skippedEngines.length ? ` (${skippedEngines.join('; ')})` : '',
      );
      document.body.dataset.live = 'done';
    } catch (e) {
      $('live-status').textContent = `failed: ${e instanceof Error ? e.message : String(e)}`;
      document.body.dataset.live = 'failed';
    } finally {
      button.disabled = false;
    }
  });
}

function setupLoading(): void {
  $<HTMLInputElement>('file').addEventListener(
    'change',
    (e) => void loadFiles((e.target as HTMLInputElement).files ?? []),
  );
  const drop = $('drop');
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  document.addEventListener('dragleave', () => drop.classList.remove('over'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer?.files) void loadFiles(e.dataTransfer.files);
  });
  $('runs').addEventListener('click', (e) => {
    const id = (e.target as HTMLElement).dataset.remove;
    if (!id) return;
    runs.splice(
      runs.findIndex((r) => r.id === Number(id)),
      1,
    );
    render();
  });
  $('family').addEventListener('change', (e) => {
    family = (e.target as HTMLSelectElement).value;
    render();
  });
  $('axis').addEventListener('change', (e) => {
    axis = (e.target as HTMLSelectElement).value as Axis;
    family = undefined;
    render();
  });
  for (const id of ['compare-before', 'compare-after']) $(id).addEventListener('change', renderCompare);
  $('table-all').addEventListener('change', renderTableView);
  $('table-filter').addEventListener('input', renderTableView);
}

setupLoading();
setupLive();
document.body.dataset.live = 'idle';
const urls = new URLSearchParams(location.search).getAll('results');
for (const url of urls) await loadUrl(url);
render();
document.body.dataset.state = 'ready';
