import type { Command } from 'commander';
import { loadDrReferenceCsv } from '../../pipeline/settlement/dr-reference';
import { out, withExistingLake } from './support';

/** `meterlake dr-load` */
export function registerDrLoad(program: Command): void {
  program.command('dr-load')
    .description('replace the demand-response reference: dr_events and dr_enrollments from two CSV files (all rows checked first; one bad row refuses the drop)')
    .requiredOption('--events <csv>', 'columns: event_id,program,partner,event_day,start_hour,end_hour,price_per_kwh,floor_at_zero')
    .requiredOption('--enrollments <csv>', 'columns: program,meter_id')
    .action(async (opts: { events: string; enrollments: string }, cmd: Command) => withExistingLake(cmd, async (lake) => {
      const loaded = await loadDrReferenceCsv(lake, opts.events, opts.enrollments);
      out(`dr_events: ${loaded.events} events; dr_enrollments: ${loaded.enrollments} enrolled meters (each table one overwrite snapshot)`);
    }));
}
