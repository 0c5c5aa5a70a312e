import { resolveDemoOptions } from '../demo';
import { demoDrEvents, isDemoDrEnrolled, DEMO_DR_PROGRAM } from '../demo/dr-plan';
import { planDemo } from '../demo/meter-plan';
import { replaceDrReference } from '../pipeline/settlement/dr-reference';
import { DR_EVENTS } from '../pipeline/settlement/settlement-tables';
import type { LocalLake } from './local-lake';

/**
 * The demo's demand-response reference (program, events, enrolled meters), loaded once before
 * the demo's readings, so every daily tag — and so every settlement — reads it.
 */
export async function loadDemoDrReference(lake: LocalLake, opts: { meters?: number; days?: number; seed?: number }): Promise<boolean> {
  if (await lake.catalog.tableExists(DR_EVENTS.name)) return false;
  const options = resolveDemoOptions({ meters: opts.meters, days: opts.days, seed: opts.seed });
  const enrolled = planDemo(options).meters.filter(isDemoDrEnrolled).map((m) => ({ program: DEMO_DR_PROGRAM, meter_id: m.meterId }));
  await replaceDrReference(lake, demoDrEvents(options), enrolled);
  return true;
}
