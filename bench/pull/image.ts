/**
 * The benchmark image: 5 gzip layers, ~100 MB of content in all — per layer ~1,500 small text
 * files (compressible, like /usr/share and site-packages), a few MB of binary (incompressible,
 * like shared libraries) and symlinks — written as an OCI layout.
 */
import { OciLayoutWriter } from "../../test/fixtures/oci-layout.ts";
import type { TarEntry } from "../../test/fixtures/tar-writer.ts";
import { buildTar } from "../../test/fixtures/tar-writer.ts";

const WORDS = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua container image layer overlay kitten registry manifest digest".split(" ");

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function text(bytes: number, rand: () => number): string {
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const w = WORDS[Math.floor(rand() * WORDS.length)]!;
    parts.push(w);
    n += w.length + 1;
  }
  return parts.join(rand() < 0.1 ? "\n" : " ");
}

function binary(bytes: number, rand: () => number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 4) {
    const v = (rand() * 4294967296) >>> 0;
    out[i] = v & 0xff;
    out[i + 1] = (v >>> 8) & 0xff;
    out[i + 2] = (v >>> 16) & 0xff;
    out[i + 3] = v >>> 24;
  }
  return out;
}

export function benchLayer(index: number): TarEntry[] {
  const rand = rng(index * 7919 + 1);
  const root = `usr/lib/pkg${index}`;
  const entries: TarEntry[] = [{ path: "usr", type: "dir" }, { path: "usr/lib", type: "dir" }, { path: root, type: "dir" }];
  for (let d = 0; d < 30; d++) {
    entries.push({ path: `${root}/mod${d}`, type: "dir" });
    for (let f = 0; f < 50; f++) entries.push({ path: `${root}/mod${d}/file${f}.py`, type: "file", content: text(8_000 + Math.floor(rand() * 8_000), rand) });
    entries.push({ path: `${root}/mod${d}/latest`, type: "symlink", linkname: "file0.py" });
  }
  for (let b = 0; b < 4; b++) entries.push({ path: `${root}/lib${b}.so`, type: "file", mode: 0o755, content: binary(1_000_000, rand) });
  return entries;
}

/** Writes the image to `dir` tagged "big"; returns its sizes. */
export function writeBenchImage(dir: string): { layers: number; uncompressed: number; compressed: number } {
  const w = new OciLayoutWriter(dir, { gzipLevel: 6 });
  const layers = [0, 1, 2, 3, 4].map((i) => ({ entries: benchLayer(i) }));
  const uncompressed = layers.reduce((n, l) => n + buildTar(l.entries).length, 0);
  const manifest = w.image({ layers, config: { Cmd: ["sh"] } });
  w.tag("big", manifest);
  return { layers: layers.length, uncompressed, compressed: w.written };
}
