/**
 * An independent reference for device_energy: plain TypeScript over the whole set of
 * measurements, written apart from src/pipeline/stream (it imports nothing from it).
 * Per device and time the greatest cumulative energy wins (then the greatest name); per device in
 * time order, the first reading has null duration and delta, a drop is a reset (delta = the
 * reading), and values are rounded to float32 once.
 */
export interface ReferenceMeasurement {
  device_id: number;
  device_name: string;
  time: string;
  cumulative_energy: number;
}

export interface ReferenceRow {
  device_id: number;
  device_name: string;
  time_ms: number;
  duration: number | null;
  delta_energy: number | null;
}

export function referenceDeltas(measurements: readonly ReferenceMeasurement[]): ReferenceRow[] {
  const best = new Map<string, ReferenceMeasurement>();
  for (const m of measurements) {
    const key = `${m.device_id}@${Date.parse(m.time)}`;
    const held = best.get(key);
    const better = !held || m.cumulative_energy > held.cumulative_energy ||
      (m.cumulative_energy === held.cumulative_energy && m.device_name > held.device_name);
    if (better) best.set(key, m);
  }
  const sorted = [...best.values()].sort((a, b) => a.device_id - b.device_id || Date.parse(a.time) - Date.parse(b.time));
  const rows: ReferenceRow[] = [];
  sorted.forEach((m, i) => {
    const before = i > 0 && sorted[i - 1].device_id === m.device_id ? sorted[i - 1] : undefined;
    const t = Date.parse(m.time);
    if (!before) {
      rows.push({ device_id: m.device_id, device_name: m.device_name, time_ms: t, duration: null, delta_energy: null });
      return;
    }
    const change = m.cumulative_energy - before.cumulative_energy;
    rows.push({
      device_id: m.device_id, device_name: m.device_name, time_ms: t,
      duration: Math.fround((t - Date.parse(before.time)) / 60_000),
      delta_energy: Math.fround(change < 0 ? m.cumulative_energy : change),
    });
  });
  return rows;
}
