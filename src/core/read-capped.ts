/**
 * A file read whole, but never more than `max` bytes: /dev/zero or /dev/urandom given as a
 * compose file or an env_file would otherwise be read until memory runs out (issue #14). Regular
 * files are refused by their size before reading; pipes and devices are read in chunks and
 * refused once they pass the limit.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

export class FileTooLarge extends Error {
  constructor(readonly max: number) {
    super(`larger than ${max} bytes`);
  }
}

export function readCapped(path: string, max: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const st = fstatSync(fd);
    if (st.isFile() && st.size > max) throw new FileTooLarge(max);
    const parts: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > max) throw new FileTooLarge(max);
      parts.push(Buffer.from(chunk.subarray(0, n)));
    }
    return Buffer.concat(parts, total);
  } finally {
    closeSync(fd);
  }
}
