import { randomBytes } from 'node:crypto';

let sequence = 0;

/** A fresh name for a TEMP table or view of one parse, unique within the process. */
export function tempName(purpose: string): string {
  sequence += 1;
  return `fmt_${purpose}_${sequence}_${randomBytes(3).toString('hex')}`;
}
