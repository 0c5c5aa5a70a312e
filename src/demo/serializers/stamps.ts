import { londonNaive } from '../london-time';

const CACHE_LIMIT = 20_000;
const utcCache = new Map<number, string>();
const londonCache = new Map<number, string>();

function memo(cache: Map<number, string>, ms: number, format: (ms: number) => string): string {
  let text = cache.get(ms);
  if (text === undefined) {
    // Files walk a few days at a time, so a small cache that is simply dropped when full works.
    if (cache.size >= CACHE_LIMIT) cache.clear();
    text = format(ms);
    cache.set(ms, text);
  }
  return text;
}

/** `YYYY-MM-DDTHH:MM:SSZ`. */
export function utcStamp(ms: number): string {
  return memo(utcCache, ms, (t) => `${new Date(t).toISOString().slice(0, 19)}Z`);
}

/** Naive Europe/London `YYYY-MM-DD HH:MM:SS`. */
export function londonStamp(ms: number): string {
  return memo(londonCache, ms, londonNaive);
}

/** Naive rendering of the UTC wall clock (used to write a local time that does not exist). */
export function naiveUtcStamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Chunks of about this many characters keep writes efficient without big strings. */
export const CHUNK_CHARS = 64 * 1024;
