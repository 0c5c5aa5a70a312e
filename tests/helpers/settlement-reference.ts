/**
 * An independent plain-TypeScript implementation of the settlement rules, for the property test:
 * local days and periods from Intl per instant (no calendar table), latest version by
 * (received_at, source_file, source_row), exact sums in BigInt, the CAISO 10-in-10 baseline
 * with its own weekday, holiday and event-day rules. It shares no code with src/pipeline/settlement.
 */

export interface RefVersion {
  meter_id: string; source: string; interval_start: number; interval_minutes: number; kwh: number;
  quality: 'actual' | 'estimated' | 'substituted'; received_at: number; source_file: string; source_row: number;
}
export interface RefEvent {
  event_id: string; program: string; partner: string; event_day: string; start_hour: number; end_hour: number; price_nano: bigint; floor_at_zero: boolean;
}

const HALF = 1_800_000;
/** NERC holidays of 2021 (a Sunday observed on the Monday), written out by hand. */
const HOLIDAYS_2021 = new Set(['2021-01-01', '2021-05-31', '2021-07-05', '2021-09-06', '2021-11-25', '2021-12-25']);

/** Local date and hour of an instant in a zone. */
function local(zone: string, ms: number): { day: string; hour: number } {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { day: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour) };
}

const nano = (kwh: number) => BigInt(Math.round(kwh * 1e9));
const fixed = (n: bigint) => {
  const s = (n < 0n ? -n : n).toString().padStart(10, '0');
  return `${n < 0n ? '-' : ''}${s.slice(0, -9)}.${s.slice(-9)}`;
};
const floorDiv = (a: bigint, b: bigint) => { const q = a / b; return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q; };

interface Period { partner: string; day: string; period: number; start: number; hour: number; inMonth: boolean }

/** Every half hour of the local days [fromDay, month end] of a zone, numbered per local day. */
function periods(partner: string, zone: string, month: string, fromDay: string): Period[] {
  const out: Period[] = [];
  const start = Date.parse(`${fromDay}T00:00:00Z`) - 2 * 86_400_000;
  const end = Date.parse(`${month}-01T00:00:00Z`) + 34 * 86_400_000;
  const counts = new Map<string, number>();
  for (let t = start; t < end; t += HALF) {
    const { day, hour } = local(zone, t);
    if (day < fromDay || day.slice(0, 7) > month) continue;
    const n = (counts.get(day) ?? 0) + 1;
    counts.set(day, n);
    out.push({ partner, day, period: n, start: t, hour, inMonth: day.slice(0, 7) === month });
  }
  return out;
}

/** The latest version of each (meter, interval). */
export function latestVersions(versions: readonly RefVersion[]): RefVersion[] {
  const latest = new Map<string, RefVersion>();
  const later = (a: RefVersion, b: RefVersion) => a.received_at !== b.received_at ? a.received_at > b.received_at
    : a.source_file !== b.source_file ? a.source_file > b.source_file : a.source_row > b.source_row;
  for (const v of versions) {
    const key = `${v.meter_id}|${v.interval_start}`;
    const seen = latest.get(key);
    if (!seen || later(v, seen)) latest.set(key, v);
  }
  return [...latest.values()];
}

/** The expected CSV lines (without header) of energy_periods, energy_meters, energy_missing and dr_settlement. */
export function referenceReports(versions: readonly RefVersion[], partners: Record<string, string>, month: string, events: RefEvent[], enrollments: { program: string; meter_id: string }[]): Record<string, string[]> {
  const readings = latestVersions(versions);
  const monthEvents = events.filter((e) => e.event_day.slice(0, 7) === month).sort((a, b) => a.event_id.localeCompare(b.event_id));
  const firstEvent = monthEvents.map((e) => e.event_day).sort()[0];
  const fromDay = firstEvent ? new Date(Date.parse(`${firstEvent}T00:00:00Z`) - 45 * 86_400_000).toISOString().slice(0, 10) : `${month}-01`;
  const out: Record<string, string[]> = { energy_periods: [], energy_meters: [], energy_missing: [], dr_settlement: [] };
  // Per partner, meter and period start: covered minutes and energy by quality (energy where the interval starts).
  const cells = new Map<string, { minutes: number; actual: bigint; estimated: bigint; substituted: bigint }>();
  const cell = (p: string, m: string, start: number) => {
    const key = `${p}|${m}|${start}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { minutes: 0, actual: 0n, estimated: 0n, substituted: 0n }));
    return c;
  };
  for (const r of readings) {
    const first = r.interval_start - (r.interval_start % HALF);
    for (let k = 0; k * 30 < r.interval_minutes; k++) {
      const c = cell(r.source, r.meter_id, first + k * HALF);
      c.minutes += Math.min(30, r.interval_minutes - 30 * k);
      if (k === 0) c[r.quality] += nano(r.kwh);
    }
  }
  const calendar = new Map(Object.keys(partners).sort().map((p) => [p, periods(p, partners[p], month, fromDay)]));
  for (const [partner, ps] of calendar) {
    const inMonth = ps.filter((p) => p.inMonth);
    const meters = [...new Set(readings.filter((r) => r.source === partner && inMonth.some((p) => cells.has(`${partner}|${r.meter_id}|${p.start}`))).map((r) => r.meter_id))].sort();
    if (!meters.length) continue;
    for (const p of inMonth) {
      let a = 0n; let e = 0n; let s = 0n; let reporting = 0;
      for (const m of meters) {
        const c = cells.get(`${partner}|${m}|${p.start}`);
        if (!c) continue;
        a += c.actual; e += c.estimated; s += c.substituted;
        if (c.minutes >= 30) reporting++;
      }
      out.energy_periods.push([partner, p.day, p.period, `${new Date(p.start).toISOString().slice(0, 19)}Z`, fixed(a + e + s), fixed(a), fixed(e), fixed(s), meters.length, reporting, meters.length - reporting].join(','));
    }
    for (const m of meters) {
      let a = 0n; let e = 0n; let s = 0n; let reported = 0;
      for (const p of inMonth) {
        const c = cells.get(`${partner}|${m}|${p.start}`);
        if (!c) { out.energy_missing.push([partner, m, p.day, p.period, `${new Date(p.start).toISOString().slice(0, 19)}Z`, 0].join(',')); continue; }
        a += c.actual; e += c.estimated; s += c.substituted;
        if (c.minutes >= 30) reported++;
        else out.energy_missing.push([partner, m, p.day, p.period, `${new Date(p.start).toISOString().slice(0, 19)}Z`, c.minutes].join(','));
      }
      out.energy_meters.push([partner, m, fixed(a + e + s), fixed(a), fixed(e), fixed(s), inMonth.length, reported, inMonth.length - reported].join(','));
    }
  }

  // Demand response.
  const hourly = (partner: string, meter: string, day: string, hour: number): bigint | null => {
    let total: bigint | null = null;
    for (const p of calendar.get(partner) ?? []) {
      if (p.day !== day || p.hour !== hour) continue;
      const c = cells.get(`${partner}|${meter}|${p.start}`);
      if (c) total = (total ?? 0n) + c.actual + c.estimated + c.substituted;
    }
    return total;
  };
  for (const ev of monthEvents) {
    const eventDays = new Set(events.filter((x) => x.program === ev.program && x.partner === ev.partner).map((x) => x.event_day));
    const days: string[] = [];
    for (let d = Date.parse(`${ev.event_day}T00:00:00Z`) - 86_400_000; days.length < 10 && d >= Date.parse(`${ev.event_day}T00:00:00Z`) - 45 * 86_400_000; d -= 86_400_000) {
      const day = new Date(d).toISOString().slice(0, 10);
      const dow = new Date(d).getUTCDay();
      if (dow >= 1 && dow <= 5 && !HOLIDAYS_2021.has(day) && !eventDays.has(day)) days.push(day);
    }
    const eventHours = Array.from({ length: ev.end_hour - ev.start_hour }, (_, i) => ev.start_hour + i);
    const adjustHours = [ev.start_hour - 4, ev.start_hour - 3, ev.start_hour - 2].filter((h) => h >= 0);
    const ofPartner = (meter: string) => (calendar.get(ev.partner) ?? []).some((p) => cells.has(`${ev.partner}|${meter}|${p.start}`));
    for (const meter of enrollments.filter((x) => x.program === ev.program && ofPartner(x.meter_id)).map((x) => x.meter_id).sort()) {
      const base = (h: number) => {
        const vals = days.map((d) => hourly(ev.partner, meter, d, h)).filter((v): v is bigint => v !== null);
        return vals.length ? floorDiv(vals.reduce((x, y) => x + y, 0n), BigInt(vals.length)) : null;
      };
      const head = [ev.event_id, ev.program, ev.partner, ev.event_day, ev.start_hour, ev.end_hour, meter, days.length];
      const price = fixed(ev.price_nano);
      const eventBase = eventHours.map(base);
      if (!days.length || eventBase.some((b) => b === null)) {
        out.dr_settlement.push([...head, '', '', '', '', '', price, '', days.length ? 'baseline_hour_without_data' : 'no_baseline_days'].join(','));
        continue;
      }
      const unadjusted = (eventBase as bigint[]).reduce((x, y) => x + y, 0n);
      const adjBase = adjustHours.map(base);
      const adjActual = adjustHours.map((h) => hourly(ev.partner, meter, ev.event_day, h));
      let ratio = 1_000_000_000n;
      if (adjBase.every((b) => b !== null) && adjActual.every((v) => v !== null)) {
        const b = (adjBase as bigint[]).reduce((x, y) => x + y, 0n);
        const a = (adjActual as bigint[]).reduce((x, y) => x + y, 0n);
        if (b > 0n) ratio = [800_000_000n, floorDiv(a * 1_000_000_000n, b), 1_200_000_000n].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))[1];
      }
      const baseline = floorDiv(unadjusted * ratio, 1_000_000_000n);
      const actuals = eventHours.map((h) => hourly(ev.partner, meter, ev.event_day, h));
      if (actuals.some((v) => v === null)) {
        out.dr_settlement.push([...head, fixed(unadjusted), fixed(ratio), fixed(baseline), '', '', price, '', 'event_hour_missing'].join(','));
        continue;
      }
      const actual = (actuals as bigint[]).reduce((x, y) => x + y, 0n);
      let reduction = baseline - actual;
      if (reduction < 0n && ev.floor_at_zero) reduction = 0n;
      out.dr_settlement.push([...head, fixed(unadjusted), fixed(ratio), fixed(baseline), fixed(actual), fixed(reduction), price, fixed(floorDiv(reduction * ev.price_nano, 1_000_000_000n)), 'settled'].join(','));
    }
  }
  return out;
}
