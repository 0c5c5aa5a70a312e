import { open } from 'node:fs/promises';

/** The first `bytes` bytes of a local file (fewer when the file is shorter). */
export async function readHead(localPath: string, bytes = 64 * 1024): Promise<Buffer> {
  const handle = await open(localPath, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The buffer without a leading UTF-8 byte-order mark. */
export function stripBom(buffer: Buffer): Buffer {
  return buffer.subarray(0, 3).equals(UTF8_BOM) ? buffer.subarray(3) : buffer;
}

/** True when the bytes are valid UTF-8 (a sequence cut at the end of a head is allowed). */
export function isUtf8(buffer: Buffer, complete: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buffer, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}
