import { DAY_MS, DEMO_SOURCES, isoDate, type ResolvedDemoOptions } from './options';
import { Rng, Stream, urnUuid } from './prng';
import type {
  AgreementRow, DemoSource, MeterInfo, MeterpointRow, ProductRow, ReferenceData, Region,
} from './types';

/** The tariffs every demo meter is on: fixed and variable. */
export const DEMO_PRODUCTS: readonly ProductRow[] = [
  { id: 1, product_id: 'FIX-12M-2019', display_name: 'Fixed 12M 2019', is_variable: false },
  { id: 2, product_id: 'FIX-24M-2020', display_name: 'Fixed 24M 2020', is_variable: false },
  { id: 3, product_id: 'VAR-FLEX-17', display_name: 'Flexible', is_variable: true },
  { id: 4, product_id: 'AGILE-18', display_name: 'Agile', is_variable: true },
  { id: 5, product_id: 'GO-20', display_name: 'Go', is_variable: false },
  { id: 6, product_id: 'FIX-12M-2021', display_name: 'Fixed 12M 2021', is_variable: false },
];
const STARTING_PRODUCTS = [['FIX-12M-2019', 3], ['FIX-24M-2020', 2], ['VAR-FLEX-17', 3], ['AGILE-18', 1.5], ['GO-20', 1]] as const;
const REGIONS = [['North', 25], ['South', 25], ['East', 15], ['West', 15], ['London', 20]] as const;
const INTERVAL_MINUTES: Record<DemoSource, 15 | 30 | 60> = { default: 15, octopus: 30, greenbutton: 60 };
/** Reference drops know agreements and meterpoints this many days ahead (contracts are signed ahead). */
const REFERENCE_LOOKAHEAD_DAYS = 7;

export interface PlannedAgreement {
  agreementId: number;
  productId: string;
  validFromMs: number;
}

/** Everything the generator knows about one meter. */
export interface MeterPlan {
  index: number;
  /** A 10-character hex id; for a Green Button meter, its UsagePoint's atom id (a urn:uuid). */
  meterId: string;
  source: DemoSource;
  minutes: 15 | 30 | 60;
  region: Region;
  accountId: string;
  /** First window day (0-based) with readings. */
  historyStartDay: number;
  /** Window day whose files first carry the meter; its earlier days arrive with them. */
  joinDay: number;
  annualKwh: number;
  /** Shifts the household's daily peaks, in 15-minute slots. */
  peakShiftSlots: number;
  eveningWeight: number;
  noiseSigma: number;
  /** Ordered; each runs until the next one's validFrom. */
  agreements: PlannedAgreement[];
  /** Octopus file group (one meterpoint per file by default). */
  fileGroup: number;
}

export interface DemoPlan {
  options: ResolvedDemoOptions;
  meters: MeterPlan[];
  /** Meters of each source, in index order. */
  bySource: Record<DemoSource, MeterPlan[]>;
}

/** Assign sources so that every prefix of meters follows the shares (exact, interleaved). */
function assignSources(count: number, shares: Record<DemoSource, number>): DemoSource[] {
  const total = DEMO_SOURCES.reduce((sum, source) => sum + shares[source], 0);
  const assigned: Record<DemoSource, number> = { default: 0, octopus: 0, greenbutton: 0 };
  const out: DemoSource[] = [];
  for (let i = 0; i < count; i++) {
    let best: DemoSource = 'default';
    let bestDeficit = -Infinity;
    for (const source of DEMO_SOURCES) {
      const deficit = (shares[source] / total) * (i + 1) - assigned[source];
      if (shares[source] > 0 && deficit > bestDeficit) {
        best = source;
        bestDeficit = deficit;
      }
    }
    assigned[best]++;
    out.push(best);
  }
  return out;
}

/** Plan the meters, their tariffs and when they join. Pure and deterministic in the seed. */
export function planDemo(options: ResolvedDemoOptions): DemoPlan {
  const { seed, days, windowStartMs } = options;
  const sources = assignSources(options.meters, options.sourceShares);
  const ids = new Set<string>();
  const meters: MeterPlan[] = [];
  let nextAgreementId = 1;
  let octopusCount = 0;
  for (let index = 0; index < options.meters; index++) {
    const rng = Rng.of(seed, Stream.meters, index);
    const source = sources[index];
    // Green Button meters are known by their UsagePoint's atom id (the parser's meter id).
    const drawId = () => (source === 'greenbutton' ? urnUuid('UsagePoint', rng.hex(10)) : rng.hex(10));
    let meterId = drawId();
    while (ids.has(meterId)) meterId = drawId();
    ids.add(meterId);
    const joins = days >= 2 && rng.next() < options.joinShare;
    const joinDay = joins ? rng.int(1, days - 1) : 0;
    const historyStartDay = joins ? Math.max(0, joinDay - rng.int(3, 30)) : 0;
    const meter: MeterPlan = {
      index,
      meterId,
      source,
      minutes: INTERVAL_MINUTES[source],
      region: rng.weighted(REGIONS),
      accountId: `A-${rng.hex(8).toUpperCase()}`,
      historyStartDay,
      joinDay,
      annualKwh: Math.min(9000, Math.max(1200, 3100 * Math.exp(0.35 * rng.normal()))),
      peakShiftSlots: rng.int(-3, 3),
      eveningWeight: 0.8 + 0.6 * rng.next(),
      noiseSigma: 0.25 + 0.2 * rng.next(),
      agreements: [],
      fileGroup: source === 'octopus' ? Math.floor(octopusCount++ / options.octopusMetersPerFile) : 0,
    };
    const agreementRng = Rng.of(seed, Stream.agreements, index);
    const productChanges: Array<{ productId: string; validFromMs: number }> = [];
    const firstProduct = agreementRng.weighted(STARTING_PRODUCTS);
    if (joins) {
      productChanges.push({ productId: firstProduct, validFromMs: windowStartMs + historyStartDay * DAY_MS });
    } else {
      const startMs = windowStartMs - agreementRng.int(1, 3 * 365) * DAY_MS;
      if (agreementRng.next() < 0.15) {
        // An earlier, closed agreement: history that no as-of date inside the window sees.
        productChanges.push({ productId: agreementRng.weighted(STARTING_PRODUCTS), validFromMs: startMs - agreementRng.int(90, 700) * DAY_MS });
      }
      productChanges.push({ productId: firstProduct, validFromMs: startMs });
    }
    if (days >= 2 && historyStartDay + 1 <= days - 1 && agreementRng.next() < 0.08) {
      const changeDay = agreementRng.int(historyStartDay + 1, days - 1);
      const candidates = DEMO_PRODUCTS.map((p) => p.product_id).filter((p) => p !== productChanges.at(-1)?.productId);
      const productId = agreementRng.next() < 0.5 ? 'FIX-12M-2021' : agreementRng.pick(candidates);
      if (productId !== productChanges.at(-1)?.productId) productChanges.push({ productId, validFromMs: windowStartMs + changeDay * DAY_MS });
    }
    meter.agreements = productChanges.map((change) => ({ agreementId: nextAgreementId++, ...change }));
    meters.push(meter);
  }
  const bySource: Record<DemoSource, MeterPlan[]> = { default: [], octopus: [], greenbutton: [] };
  for (const meter of meters) bySource[meter.source].push(meter);
  return { options, meters, bySource };
}

/** The reference data a drop on window day `asOfDay` carries (what was known that midnight). */
export function referenceAsOf(plan: DemoPlan, asOfDay: number): ReferenceData {
  const horizonMs = plan.options.windowStartMs + (asOfDay + REFERENCE_LOOKAHEAD_DAYS) * DAY_MS;
  const meterpoints: MeterpointRow[] = [];
  const agreements: AgreementRow[] = [];
  for (const meter of plan.meters) {
    if (plan.options.windowStartMs + meter.historyStartDay * DAY_MS > horizonMs) continue;
    meterpoints.push({ meterpoint_id: meter.meterId, region: meter.region });
    const known = meter.agreements.filter((agreement) => agreement.validFromMs <= horizonMs);
    known.forEach((agreement, i) => {
      const successor = known[i + 1];
      agreements.push({
        agreement_id: agreement.agreementId,
        agreement_valid_from: isoDate(agreement.validFromMs),
        agreement_valid_to: successor ? isoDate(successor.validFromMs) : null,
        product_id: agreement.productId,
        meterpoint_id: meter.meterId,
        account_id: meter.accountId,
      });
    });
  }
  return { products: DEMO_PRODUCTS.map((product) => ({ ...product })), meterpoints, agreements };
}

/** The public description of a planned meter. */
export function meterInfo(plan: DemoPlan, meter: MeterPlan): MeterInfo {
  const { windowStartMs } = plan.options;
  return {
    meterId: meter.meterId,
    source: meter.source,
    intervalMinutes: meter.minutes,
    region: meter.region,
    accountId: meter.accountId,
    productId: meter.agreements[meter.agreements.length - 1].productId,
    historyStart: isoDate(windowStartMs + meter.historyStartDay * DAY_MS),
    firstDelivery: isoDate(windowStartMs + meter.joinDay * DAY_MS),
  };
}
