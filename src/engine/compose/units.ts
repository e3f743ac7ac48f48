/** Byte sizes as docker reads them (go-units RAMInBytes): "512m", "1.5g", "64MiB", "1024" → bytes. */
const MULT: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

export function parseBytes(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = /^(\d+(?:\.\d+)?) ?([kmgtpb]?)(?:i?b)?$/i.exec(value.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * MULT[m[2]!.toLowerCase()]!);
}
