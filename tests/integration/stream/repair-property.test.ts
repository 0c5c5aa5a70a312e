import fc from 'fast-check';
import { DuckDbSession } from '../../../src/engine/duckdb-session';
import { repairDeviceEnergy } from '../../../src/pipeline/stream/repair';
import { mskEvent, mskRecords, type MessageValue } from '../../helpers/msk-events';
import { referenceDeltas, type ReferenceMeasurement, type ReferenceRow } from '../../helpers/reference-deltas';
import { createStreamLake } from '../../helpers/stream-lake';

const FIVE_MINUTES = 300_000;
const START = Date.UTC(2022, 6, 10, 22, 0);

/** A small deterministic PRNG, so a failing case replays from fast-check's seed alone. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const step = fc.record({
  // Mostly the next 5 minutes, sometimes a gap of hours or days (crossing day partitions).
  gap: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 700 }) }),
  increment: fc.integer({ min: 0, max: 900 }),
  reset: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  duplicate: fc.constantFrom('none', 'none', 'none', 'same', 'different'),
});
const scenario = fc.record({
  devices: fc.uniqueArray(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 3 }),
  steps: fc.array(fc.array(step, { minLength: 1, maxLength: 10 }), { minLength: 3, maxLength: 3 }),
  seed: fc.integer(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Every measurement sent (duplicates included), in generation order. */
function measurementsOf(s: Scenario): ReferenceMeasurement[] {
  const out: ReferenceMeasurement[] = [];
  s.devices.forEach((device, d) => {
    let t = START + d * 7 * 60_000;
    let cumulative = 1000 * (d + 1);
    for (const st of s.steps[d]) {
      t += st.gap * FIVE_MINUTES;
      cumulative = st.reset ? st.increment / 100 : cumulative + st.increment / 100;
      const m = { device_id: device, device_name: `meter ${device}`, time: new Date(t).toISOString(), cumulative_energy: cumulative };
      out.push(m);
      if (st.duplicate === 'same') out.push({ ...m });
      if (st.duplicate === 'different') out.push({ ...m, cumulative_energy: cumulative + 0.25 });
    }
  });
  return out;
}

/** The measurements shuffled into messages on two partitions, cut into deliveries, some redelivered. */
function deliveriesOf(measurements: ReferenceMeasurement[], random: () => number) {
  const shuffled = [...measurements];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const messages: MessageValue[][] = [[], []];
  for (let i = 0; i < shuffled.length;) {
    const size = 1 + Math.floor(random() * 4);
    messages[random() < 0.5 ? 0 : 1].push({ measurements: shuffled.slice(i, i + size) });
    i += size;
  }
  const queues = messages.map((values, partition) => {
    const chunks = [];
    for (let first = 0; first < values.length;) {
      const size = 1 + Math.floor(random() * 3);
      chunks.push(mskRecords('sensors', partition, first, values.slice(first, first + size), START + first * 1000));
      first += size;
    }
    return chunks;
  });
  const deliveries = [];
  const delivered: ReturnType<typeof mskRecords>[] = [];
  while (queues.some((q) => q.length)) {
    const q = queues[queues[0].length && (!queues[1].length || random() < 0.5) ? 0 : 1];
    const chunk = q.shift()!;
    deliveries.push(mskEvent(chunk));
    delivered.push(chunk);
    if (random() < 0.25) deliveries.push(mskEvent(delivered[Math.floor(random() * delivered.length)]));
  }
  return deliveries;
}

const asRow = (r: ReferenceRow) => ({ ...r, time_ms: BigInt(r.time_ms) });

describe('device_energy after the daily repair equals a recomputation from the ledger', () => {
  let session: DuckDbSession;
  beforeAll(async () => {
    session = await DuckDbSession.create({ threads: 1 });
  });
  afterAll(() => session.close());

  test('whatever the arrival order, duplicates, resets, gaps, late readings and redeliveries', async () => {
    await fc.assert(fc.asyncProperty(scenario, async (s) => {
      const lake = await createStreamLake(session);
      try {
        const measurements = measurementsOf(s);
        for (const delivery of deliveriesOf(measurements, prng(s.seed))) {
          expect(await lake.deliver(delivery)).toEqual({ batchItemFailures: [] });
        }
        const select = 'device_id, device_name, epoch_ms(time) AS time_ms, duration, delta_energy';
        type Row = { device_id: number; device_name: string; time_ms: bigint; duration: number | null; delta_energy: number | null };

        // Before repair: never two deltas for one reading, and each delta follows from some earlier reading of its device.
        const streamed = await lake.rows<Row>('device_energy', select, 'device_id, time');
        expect(new Set(streamed.map((r) => `${r.device_id}@${r.time_ms}`)).size).toBe(streamed.length);
        for (const row of streamed) {
          const at = (t: number) => measurements.filter((m) => m.device_id === row.device_id && Date.parse(m.time) === t);
          const readings = at(Number(row.time_ms));
          expect(readings.length).toBeGreaterThan(0);
          if (row.duration === null) {
            expect(row.delta_energy).toBeNull();
            continue;
          }
          const previous = at(Number(row.time_ms) - Math.round(row.duration * 60_000));
          const explained = readings.some((r) => previous.some((p) => {
            const change = r.cumulative_energy - p.cumulative_energy;
            return Math.fround(change < 0 ? r.cumulative_energy : change) === row.delta_energy;
          }));
          expect(explained).toBe(true);
        }

        expect(['repaired', 'nothing-to-repair']).toContain((await repairDeviceEnergy(lake.ports, { inFlightAttempts: 1 })).outcome);
        expect(await lake.rows<Row>('device_energy', select, 'device_id, time')).toEqual(referenceDeltas(measurements).map(asRow));
        expect((await lake.rows<{ n: bigint }>('device_measurements', 'count(*) AS n', '1'))[0].n).toBe(BigInt(measurements.length));
      } finally {
        await lake.close();
      }
    }), { numRuns: 12 });
  }, 120_000);
});
