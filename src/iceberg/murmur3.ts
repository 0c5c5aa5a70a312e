/**
 * 32-bit MurmurHash3, x86 variant — the hash behind Iceberg's `bucket[N]` transform
 * (spec Appendix B: "32-bit Murmur3 hash, x86 variant, seeded with 0").
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Scramble one 32-bit block (the k1 mixing step of murmur3). */
function mixBlock(block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/** murmur3_x86_32 of `bytes`; returns a signed 32-bit integer, as Java's Guava does. */
export function murmur3Hash32(bytes: Uint8Array, seed = 0): number {
  let h = seed | 0;
  const blockCount = bytes.length >>> 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < blockCount; i++) {
    h ^= mixBlock(view.getUint32(i * 4, true));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }

  // The 1-3 trailing bytes form one little-endian partial block.
  const tailStart = blockCount * 4;
  const tailLength = bytes.length & 3;
  if (tailLength > 0) {
    let tail = 0;
    for (let i = tailLength - 1; i >= 0; i--) tail = (tail << 8) | bytes[tailStart + i];
    h ^= mixBlock(tail);
  }

  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
