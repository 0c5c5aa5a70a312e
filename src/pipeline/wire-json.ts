/**
 * JSON for values that cross a process boundary (a queue message, a Step Functions state, a
 * staged result in the store): plain JSON has no bigint (snapshot ids) and no bytes (column
 * bounds), so those travel as tagged objects and come back as the same types.
 */
const BIGINT_TAG = '$bigint';
const BYTES_TAG = '$base64';

/** A value as wire JSON: bigint → {"$bigint": "…"}, Buffer/Uint8Array → {"$base64": "…"}. */
export function toWireJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key, v: unknown) {
    // Buffer#toJSON runs before the replacer sees it: read the raw value from the holder.
    const raw = this[key];
    if (typeof raw === 'bigint') return { [BIGINT_TAG]: raw.toString() };
    if (raw instanceof Uint8Array) return { [BYTES_TAG]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
    return v;
  });
}

/** Wire JSON back to values: the tagged objects become bigint and Buffer again. */
export function fromWireJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === BIGINT_TAG) return BigInt((v as Record<string, string>)[BIGINT_TAG]);
      if (keys.length === 1 && keys[0] === BYTES_TAG) return Buffer.from((v as Record<string, string>)[BYTES_TAG], 'base64');
    }
    return v;
  }) as T;
}
