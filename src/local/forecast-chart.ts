/**
 * The backtest's chart as a PNG: forecast vs actual (with the 80% band and the seasonal-naive
 * reference) for one group at one origin, and MAE by horizon day for the model and the reference.
 * Drawn as SVG and rendered by resvg with the DejaVu Sans font shipped in node_modules, so the
 * picture is the same on every machine (no system fonts read).
 */
import { Resvg } from '@resvg/resvg-js';
import type { BacktestHour, BacktestScore } from '../pipeline/forecast/backtest';

const WIDTH = 1000;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 40 };
const COLORS = { actual: '#222222', forecast: '#1f77b4', band: '#aec7e8', naive: '#ff7f0e' };

const escapeXml = (text: string) => text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

interface Panel {
  top: number;
  xOf: (i: number) => number;
  yOf: (v: number) => number;
}

function panel(top: number, count: number, max: number): Panel {
  const w = WIDTH - MARGIN.left - MARGIN.right;
  const h = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  return {
    top,
    xOf: (i) => MARGIN.left + (count <= 1 ? 0 : (i / (count - 1)) * w),
    yOf: (v) => top + MARGIN.top + h - (max > 0 ? (v / max) * h : 0),
  };
}

function axes(p: Panel, title: string, max: number, xLabels: { i: number; text: string }[]): string {
  const bottom = p.yOf(0);
  const parts = [
    `<text x="${MARGIN.left}" y="${p.top + 24}" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${MARGIN.left}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}" stroke="#888"/>`,
    `<line x1="${MARGIN.left}" y1="${p.yOf(max)}" x2="${MARGIN.left}" y2="${bottom}" stroke="#888"/>`,
  ];
  for (const f of [0, 0.5, 1]) {
    parts.push(`<text x="${MARGIN.left - 6}" y="${p.yOf(max * f) + 4}" font-size="11" text-anchor="end">${(max * f).toFixed(max * f >= 100 ? 0 : 1)}</text>`);
  }
  for (const l of xLabels) parts.push(`<text x="${p.xOf(l.i)}" y="${bottom + 16}" font-size="11" text-anchor="middle">${escapeXml(l.text)}</text>`);
  return parts.join('');
}

const polyline = (points: [number, number][], color: string, width = 1.5) =>
  `<polyline fill="none" stroke="${color}" stroke-width="${width}" points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`;

function legend(x: number, y: number, items: [string, string][]): string {
  return items.map(([label, color], i) =>
    `<rect x="${x + i * 170}" y="${y - 9}" width="14" height="10" fill="${color}"/><text x="${x + i * 170 + 20}" y="${y}" font-size="12">${escapeXml(label)}</text>`).join('');
}

/** The chart's SVG: `hours` are one group's hours at one origin, `scores` that group's per horizon day. */
export function backtestChartSvg(title: string, hours: readonly BacktestHour[], scores: readonly BacktestScore[]): string {
  const sorted = [...hours].sort((a, b) => a.targetHourMs - b.targetHourMs);
  const max1 = Math.max(...sorted.flatMap((h) => [h.actual, h.forecast, h.naive, h.upper80 ?? 0])) * 1.05;
  const p1 = panel(0, sorted.length, max1);
  const dayLabels = sorted.flatMap((h, i) => (i % 24 === 0 ? [{ i, text: new Date(h.targetHourMs).toISOString().slice(5, 13).replace('T', ' ') + 'h' }] : []));
  const band = sorted.every((h) => h.lower80 !== null && h.upper80 !== null)
    ? `<polygon fill="${COLORS.band}" stroke="none" points="${[
      ...sorted.map((h, i) => `${p1.xOf(i).toFixed(1)},${p1.yOf(h.upper80!).toFixed(1)}`),
      ...sorted.map((h, i) => `${p1.xOf(i).toFixed(1)},${p1.yOf(h.lower80!).toFixed(1)}`).reverse(),
    ].join(' ')}"/>`
    : '';
  const days = scores.filter((s) => s.horizonDay !== null).sort((a, b) => a.horizonDay! - b.horizonDay!);
  const max2 = Math.max(...days.flatMap((s) => [s.mae, s.naiveMae])) * 1.1;
  const p2 = panel(PANEL_HEIGHT, days.length, max2);
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${PANEL_HEIGHT * 2}" font-family="DejaVu Sans">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    band,
    axes(p1, `${title}: forecast vs actual (kWh per hour, UTC)`, max1, dayLabels),
    polyline(sorted.map((h, i) => [p1.xOf(i), p1.yOf(h.naive)]), COLORS.naive, 1),
    polyline(sorted.map((h, i) => [p1.xOf(i), p1.yOf(h.actual)]), COLORS.actual),
    polyline(sorted.map((h, i) => [p1.xOf(i), p1.yOf(h.forecast)]), COLORS.forecast),
    legend(MARGIN.left + 330, 24, [['actual', COLORS.actual], ['forecast', COLORS.forecast], ['80% interval', COLORS.band], ['same hour last week', COLORS.naive]].slice(0, 4) as [string, string][]),
    axes(p2, 'MAE by horizon day (kWh per hour)', max2, days.map((s, i) => ({ i, text: `day ${s.horizonDay}` }))),
    polyline(days.map((s, i) => [p2.xOf(i), p2.yOf(s.naiveMae)]), COLORS.naive, 2),
    polyline(days.map((s, i) => [p2.xOf(i), p2.yOf(s.mae)]), COLORS.forecast, 2),
    legend(MARGIN.left + 330, PANEL_HEIGHT + 24, [['model', COLORS.forecast], ['seasonal naive', COLORS.naive]]),
    '</svg>',
  ];
  return svg.join('\n');
}

/** Render the chart SVG to PNG bytes. */
export function renderPng(svg: string): Buffer {
  const font = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
  return new Resvg(svg, { font: { fontFiles: [font], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
