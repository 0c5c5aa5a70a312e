/**
 * The dashboard page: pick meters, a range and a resolution, see their usage as one uPlot chart
 * with estimated and missing intervals marked. Everything shown is in the URL, so a link
 * reproduces the view. Talks only to /api on its own origin.
 */
import uPlot from 'uplot';
import { csvCell } from '../src/formats/csv-cell';

type Resolution = 'auto' | '15m' | '30m' | '1h' | '1d';
type Preset = 'day' | 'week' | 'month' | 'year' | 'custom';

interface ViewState {
  meters: string[];
  fromMs: number | null;
  toMs: number | null;
  preset: Preset;
  resolution: Resolution;
  tz: 'local' | 'utc';
  asOf: string;
}

interface Point { t: number; kwh: number | null; readings: number; estimated_share: number; missing_share: number }
interface SeriesAnswer { from: string; to: string; resolution: string; tz: string; series: { meter_id: string; points: Point[] }[] }
interface MeterSummary { id: string; source: string; region: string | null; product: string | null; first_reading: string; last_reading: string }
interface StatusAnswer {
  now: string;
  snapshot: { snapshot_id: string; committed_at: string; tag: string | null } | null;
  pending: { versions: number; files: number };
  last_24h: { rejected_rows: number; quarantined_files: number };
  freshness: { newest_reading: string | null; last_ingest_at: string | null };
}

const MAX_METERS = 10;
const DAY = 86_400_000;
const COLOURS = ['#3b6cff', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
const RESOLUTIONS: Resolution[] = ['auto', '15m', '30m', '1h', '1d'];
const PRESETS: Preset[] = ['day', 'week', 'month', 'year', 'custom'];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  search: $<HTMLInputElement>('meter-search'),
  options: $<HTMLUListElement>('meter-options'),
  chips: $<HTMLUListElement>('selected-meters'),
  from: $<HTMLInputElement>('range-from'),
  to: $<HTMLInputElement>('range-to'),
  resolution: $<HTMLSelectElement>('resolution'),
  tz: $<HTMLSelectElement>('time-zone'),
  asOf: $<HTMLSelectElement>('as-of'),
  csv: $<HTMLButtonElement>('download-csv'),
  chart: $<HTMLDivElement>('chart'),
  caption: $<HTMLParagraphElement>('chart-caption'),
  message: $<HTMLParagraphElement>('message'),
  freshness: $<HTMLDivElement>('freshness'),
};

const state: ViewState = readUrl();
let shown: SeriesAnswer | null = null;
let plot: uPlot | null = null;
let fetchSeq = 0;
let newestReadingMs: number | null = null;

// ---- URL state ----

function readUrl(): ViewState {
  const q = new URLSearchParams(location.search);
  const time = (name: string) => {
    const v = q.get(name);
    const ms = v ? Date.parse(v) : NaN;
    return Number.isFinite(ms) ? ms : null;
  };
  const resolution = q.get('resolution') as Resolution;
  const preset = q.get('preset') as Preset;
  return {
    meters: (q.get('meters') ?? '').split(',').filter(Boolean).slice(0, MAX_METERS),
    fromMs: time('from'),
    toMs: time('to'),
    preset: PRESETS.includes(preset) ? preset : 'week',
    resolution: RESOLUTIONS.includes(resolution) ? resolution : 'auto',
    tz: q.get('tz') === 'utc' ? 'utc' : 'local',
    asOf: q.get('as_of') ?? '',
  };
}

function writeUrl(): void {
  const q = new URLSearchParams();
  if (state.meters.length) q.set('meters', state.meters.join(','));
  if (state.fromMs !== null) q.set('from', new Date(state.fromMs).toISOString());
  if (state.toMs !== null) q.set('to', new Date(state.toMs).toISOString());
  q.set('preset', state.preset);
  q.set('resolution', state.resolution);
  q.set('tz', state.tz);
  if (state.asOf) q.set('as_of', state.asOf);
  history.replaceState(null, '', `${location.pathname}?${q}`);
}

// ---- API ----

async function api<T>(path: string, params: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`${path}?${new URLSearchParams(params)}`);
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.message ?? `${path} answered ${response.status}`);
  return body as T;
}

const apiTimeZone = () => (state.tz === 'utc' ? 'UTC' : Intl.DateTimeFormat().resolvedOptions().timeZone);

// ---- time helpers ----

const pad = (n: number) => String(n).padStart(2, '0');
/** The value of a datetime-local input for an instant, in the chosen zone. */
function inputValue(ms: number): string {
  const d = new Date(ms);
  if (state.tz === 'utc') return d.toISOString().slice(0, 16);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function parseInput(value: string): number | null {
  if (!value) return null;
  const ms = Date.parse(state.tz === 'utc' ? `${value}:00Z` : value);
  return Number.isFinite(ms) ? ms : null;
}
function formatTime(ms: number): string {
  const opts: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short', timeZone: state.tz === 'utc' ? 'UTC' : undefined };
  return `${new Intl.DateTimeFormat(undefined, opts).format(new Date(ms))}${state.tz === 'utc' ? ' UTC' : ''}`;
}
function ago(ms: number, nowMs: number): string {
  const minutes = Math.round((nowMs - ms) / 60_000);
  if (minutes < 2) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}

/** The range a preset shows, ending at the current end (or the day after the newest reading). */
function presetRange(preset: Exclude<Preset, 'custom'>): [number, number] {
  const end = state.toMs ?? defaultEnd();
  const d = new Date(end);
  const start = {
    day: end - DAY,
    week: end - 7 * DAY,
    month: new Date(d).setMonth(d.getMonth() - 1),
    year: new Date(d).setFullYear(d.getFullYear() - 1),
  }[preset];
  return [start, end];
}

function defaultEnd(): number {
  const base = newestReadingMs ?? Date.now();
  return Math.ceil((base + 1) / DAY) * DAY;
}

// ---- controls ----

function renderControls(): void {
  ui.chips.replaceChildren(...state.meters.map((id, i) => {
    const li = document.createElement('li');
    li.style.background = COLOURS[i % COLOURS.length];
    li.textContent = id;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = '×';
    remove.setAttribute('aria-label', `Remove meter ${id}`);
    remove.addEventListener('click', () => {
      state.meters = state.meters.filter((m) => m !== id);
      refresh();
      ui.search.focus();
    });
    li.append(remove);
    return li;
  }));
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-preset]')) {
    button.setAttribute('aria-pressed', String(button.dataset.preset === state.preset));
  }
  ui.from.value = state.fromMs === null ? '' : inputValue(state.fromMs);
  ui.to.value = state.toMs === null ? '' : inputValue(state.toMs);
  ui.resolution.value = state.resolution;
  ui.tz.value = state.tz;
  if ([...ui.asOf.options].some((o) => o.value === state.asOf)) ui.asOf.value = state.asOf;
  ui.csv.disabled = !shown || !state.meters.length;
}

let searchTimer: number | undefined;
let activeOption = -1;
let optionMeters: MeterSummary[] = [];

function closeOptions(): void {
  ui.options.hidden = true;
  ui.search.setAttribute('aria-expanded', 'false');
  ui.search.removeAttribute('aria-activedescendant');
  activeOption = -1;
}

function highlight(index: number): void {
  const items = [...ui.options.children] as HTMLLIElement[];
  if (!items.length) return;
  activeOption = (index + items.length) % items.length;
  items.forEach((li, i) => li.setAttribute('aria-selected', String(i === activeOption)));
  ui.search.setAttribute('aria-activedescendant', items[activeOption].id);
  items[activeOption].scrollIntoView({ block: 'nearest' });
}

function chooseMeter(meter: MeterSummary): void {
  closeOptions();
  ui.search.value = '';
  if (state.meters.includes(meter.id)) return;
  if (state.meters.length >= MAX_METERS) {
    showMessage(`At most ${MAX_METERS} meters at once: remove one first.`);
    return;
  }
  if (!state.meters.length && state.toMs === null) {
    // First meter: show the week up to its newest reading.
    state.toMs = Math.ceil((Date.parse(meter.last_reading) + 1) / DAY) * DAY;
    [state.fromMs] = presetRange('week');
    state.preset = 'week';
  }
  state.meters = [...state.meters, meter.id];
  refresh();
}

async function searchMeters(): Promise<void> {
  const q = ui.search.value.trim();
  try {
    const page = await api<{ meters: MeterSummary[] }>('/api/meters', { q, limit: '20' });
    if (ui.search.value.trim() !== q) return;
    optionMeters = page.meters;
    ui.options.replaceChildren(...page.meters.map((m, i) => {
      const li = document.createElement('li');
      li.id = `meter-option-${i}`;
      li.setAttribute('role', 'option');
      li.dataset.meter = m.id;
      li.textContent = m.id;
      const details = document.createElement('small');
      details.textContent = [m.source, m.region, m.product].filter(Boolean).join(' · ');
      li.append(details);
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        chooseMeter(m);
      });
      return li;
    }));
    ui.options.hidden = page.meters.length === 0;
    ui.search.setAttribute('aria-expanded', String(page.meters.length > 0));
    activeOption = -1;
  } catch (error) {
    showMessage((error as Error).message);
  }
}

function wireControls(): void {
  ui.search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(searchMeters, 150);
  });
  ui.search.addEventListener('focus', () => { if (!ui.search.value) void searchMeters(); });
  ui.search.addEventListener('blur', () => setTimeout(closeOptions, 100));
  ui.search.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') { e.preventDefault(); if (ui.options.hidden) void searchMeters(); else highlight(activeOption + 1); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); highlight(activeOption - 1); }
    else if (e.key === 'Enter') {
      e.preventDefault();
      const meter = optionMeters[activeOption] ?? (optionMeters.length === 1 ? optionMeters[0] : undefined);
      if (meter && !ui.options.hidden) chooseMeter(meter);
    } else if (e.key === 'Escape') closeOptions();
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-preset]')) {
    button.addEventListener('click', () => {
      state.preset = button.dataset.preset as Preset;
      [state.fromMs, state.toMs] = presetRange(state.preset as Exclude<Preset, 'custom'>);
      refresh();
    });
  }
  const customRange = () => {
    const from = parseInput(ui.from.value);
    const to = parseInput(ui.to.value);
    if (from === null || to === null || to <= from) return showMessage('Pick a "from" before the "to".');
    state.fromMs = from;
    state.toMs = to;
    state.preset = 'custom';
    refresh();
  };
  ui.from.addEventListener('change', customRange);
  ui.to.addEventListener('change', customRange);
  ui.resolution.addEventListener('change', () => { state.resolution = ui.resolution.value as Resolution; refresh(); });
  ui.tz.addEventListener('change', () => { state.tz = ui.tz.value as ViewState['tz']; plot?.destroy(); plot = null; refresh(); });
  ui.asOf.addEventListener('change', () => { state.asOf = ui.asOf.value; refresh(); });
  ui.csv.addEventListener('click', downloadCsv);
  ui.chart.addEventListener('keydown', (e) => {
    if (state.fromMs === null || state.toMs === null) return;
    const span = state.toMs - state.fromMs;
    const centre = state.fromMs + span / 2;
    let next: [number, number] | undefined;
    if (e.key === 'ArrowLeft') next = [state.fromMs - span / 2, state.toMs - span / 2];
    else if (e.key === 'ArrowRight') next = [state.fromMs + span / 2, state.toMs + span / 2];
    else if (e.key === '+' || e.key === '=') next = [centre - span / 4, centre + span / 4];
    else if (e.key === '-') next = [centre - span, centre + span];
    if (!next) return;
    e.preventDefault();
    setRange(Math.round(next[0]), Math.round(next[1]));
  });
  window.addEventListener('resize', () => plot?.setSize(chartSize()));
}

/** A range from zoom or pan: the resolution follows (auto) and the data is fetched again. */
function setRange(fromMs: number, toMs: number): void {
  state.fromMs = fromMs;
  state.toMs = toMs;
  state.preset = 'custom';
  refresh();
}

function showMessage(text: string): void {
  ui.message.textContent = text;
}

// ---- chart ----

function chartSize(): { width: number; height: number } {
  return { width: Math.max(320, ui.chart.clientWidth || 900), height: Math.max(260, Math.min(480, window.innerHeight - 330)) };
}

/** Shades buckets with missing (red) or estimated (amber) intervals in strips under the plot area. */
function qualityMarks(u: uPlot): void {
  if (!shown) return;
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  const points = shown.series.flatMap((s) => s.points);
  if (!points.length) return;
  const starts = u.data[0] as number[];
  const ends = [...starts.slice(1), Date.parse(shown.to) / 1000];
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  shown.series[0].points.forEach((_, i) => {
    const missing = Math.max(...shown!.series.map((s) => s.points[i].missing_share));
    const estimated = Math.max(...shown!.series.map((s) => s.points[i].estimated_share));
    const x0 = u.valToPos(starts[i], 'x', true);
    const x1 = u.valToPos(ends[i], 'x', true);
    if (missing > 0) {
      ctx.fillStyle = `rgba(214, 39, 40, ${0.1 + 0.2 * missing})`;
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
    }
    if (estimated > 0) {
      ctx.fillStyle = 'rgba(255, 160, 0, 0.55)';
      ctx.fillRect(x0, top + height - 8 * devicePixelRatio, Math.max(1, x1 - x0), 8 * devicePixelRatio);
    }
  });
  ctx.restore();
}

function drawChart(answer: SeriesAnswer): void {
  const xs = answer.series[0]?.points.map((p) => p.t / 1000) ?? [];
  const data: uPlot.AlignedData = [xs, ...answer.series.map((s) => s.points.map((p) => p.kwh))];
  if (plot && plot.series.length === answer.series.length + 1 && answer.series.every((s, i) => plot!.series[i + 1].label === s.meter_id)) {
    plot.setData(data);
    return;
  }
  plot?.destroy();
  plot = new uPlot({
    ...chartSize(),
    tzDate: state.tz === 'utc' ? (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') : (ts) => new Date(ts * 1000),
    // Drag selects a range that is fetched at its own resolution (setSelect), not a zoom into the current points.
    cursor: { drag: { x: true, y: false, setScale: false } },
    scales: { x: { time: true } },
    axes: [{}, { label: 'kWh', size: 60 }],
    series: [
      { label: state.tz === 'utc' ? 'Time (UTC)' : 'Time (local)' },
      ...answer.series.map((s, i) => ({ label: s.meter_id, stroke: COLOURS[i % COLOURS.length], width: 1.5, spanGaps: false, value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v.toFixed(3)} kWh`) })),
    ],
    hooks: {
      drawAxes: [qualityMarks],
      setSelect: [(u) => {
        if (u.select.width < 4) return;
        const from = Math.round(u.posToVal(u.select.left, 'x') * 1000);
        const to = Math.round(u.posToVal(u.select.left + u.select.width, 'x') * 1000);
        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        setRange(from, to);
      }],
    },
  }, data, ui.chart);
}

// ---- fetch and show ----

async function loadSeries(): Promise<void> {
  if (!state.meters.length || state.fromMs === null || state.toMs === null) {
    plot?.destroy();
    plot = null;
    shown = null;
    ui.caption.textContent = 'Search for a meter to plot its usage.';
    renderControls();
    return;
  }
  const seq = ++fetchSeq;
  ui.caption.textContent = 'Loading…';
  const params: Record<string, string> = {
    meters: state.meters.join(','), from: new Date(state.fromMs).toISOString(), to: new Date(state.toMs).toISOString(),
    resolution: state.resolution, tz: apiTimeZone(),
  };
  if (state.asOf) params.as_of = state.asOf;
  try {
    const answer = await api<SeriesAnswer>('/api/series', params);
    if (seq !== fetchSeq) return;
    shown = answer;
    showMessage('');
    drawChart(answer);
    const points = answer.series[0]?.points.length ?? 0;
    ui.caption.textContent = `${formatTime(Date.parse(answer.from))} – ${formatTime(Date.parse(answer.to))} · ${points.toLocaleString()} points at ${answer.resolution} · ${state.asOf ? `as of ${state.asOf}` : 'latest data, including corrections since the last daily run'}`;
    ui.chart.dataset.ready = String(seq);
  } catch (error) {
    if (seq === fetchSeq) showMessage((error as Error).message);
  }
  renderControls();
}

function refresh(): void {
  writeUrl();
  renderControls();
  void loadSeries();
}

/** What is shown, as CSV; cells go through csvCell like every CSV the product writes (no spreadsheet formulas). */
function downloadCsv(): void {
  if (!shown) return;
  const lines = ['bucket_start_utc,meter_id,kwh,readings,estimated_share,missing_share'];
  for (const s of shown.series) {
    for (const p of s.points) lines.push([new Date(p.t).toISOString(), s.meter_id, p.kwh, p.readings, p.estimated_share, p.missing_share].map(csvCell).join(','));
  }
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }));
  link.download = `meterlake-${shown.series.map((s) => s.meter_id).join('_').slice(0, 80)}-${shown.from.slice(0, 10)}-${shown.to.slice(0, 10)}-${shown.resolution}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

async function loadStatus(): Promise<void> {
  try {
    const status = await api<StatusAnswer>('/api/status');
    const nowMs = Date.parse(status.now);
    newestReadingMs = status.freshness.newest_reading ? Date.parse(status.freshness.newest_reading) : null;
    const parts = [
      status.snapshot ? `Snapshot ${status.snapshot.tag ?? status.snapshot.snapshot_id} (${ago(Date.parse(status.snapshot.committed_at), nowMs)})` : 'No daily snapshot yet',
      `${status.pending.versions.toLocaleString()} newer reading versions shown live`,
      newestReadingMs !== null ? `data through ${formatTime(newestReadingMs)}` : 'no readings yet',
      status.freshness.last_ingest_at ? `last ingest ${ago(Date.parse(status.freshness.last_ingest_at), nowMs)}` : 'nothing ingested',
      `last 24 h: ${status.last_24h.rejected_rows.toLocaleString()} rejected rows, ${status.last_24h.quarantined_files} quarantined files`,
    ];
    ui.freshness.textContent = parts.join(' · ');
    const lastIngest = status.freshness.last_ingest_at ? Date.parse(status.freshness.last_ingest_at) : 0;
    ui.freshness.classList.toggle('stale', nowMs - lastIngest > 2 * 3_600_000);
  } catch (error) {
    ui.freshness.textContent = `Status unavailable: ${(error as Error).message}`;
  }
}

async function loadTags(): Promise<void> {
  const { tags } = await api<{ tags: { name: string; kind: string; committed_at: string }[] }>('/api/tags');
  ui.asOf.replaceChildren(new Option('Latest (live)', ''), ...tags.map((t) => new Option(t.name, t.name)));
  if (state.asOf && !tags.some((t) => t.name === state.asOf)) ui.asOf.append(new Option(state.asOf, state.asOf));
  ui.asOf.value = state.asOf;
}

/** For tests and the curious: what the chart plots now. */
(window as unknown as { meterlakeDashboard: unknown }).meterlakeDashboard = {
  plotted: () => (plot ? plot.data.map((column) => [...column]) : null),
  shown: () => shown,
};

async function start(): Promise<void> {
  wireControls();
  await Promise.all([loadStatus(), loadTags().catch((error: Error) => showMessage(error.message))]);
  if (state.meters.length && (state.fromMs === null || state.toMs === null)) {
    state.toMs = defaultEnd();
    [state.fromMs] = presetRange(state.preset === 'custom' ? 'week' : state.preset);
  }
  refresh();
  setInterval(loadStatus, 60_000);
}

void start();
