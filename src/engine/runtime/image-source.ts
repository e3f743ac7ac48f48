/**
 * Images for the runtime. A directory is a valid image (the Kitten format's "image": "./rootfs"):
 * one layer, empty config. References go to the image store (issue #3) when it is wired in.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import type { ImageResolver, OciImageConfig, ResolvedImage } from "../image/types.ts";

export function looksLikePath(ref: string): boolean {
  return ref.startsWith("/") || ref.startsWith("./") || ref.startsWith("../") || ref === ".";
}

export class DirectoryImages implements ImageResolver {
  constructor(
    private readonly cwd = process.cwd(),
    private readonly fallback?: ImageResolver,
  ) {}

  async resolve(ref: string, options?: Parameters<ImageResolver["resolve"]>[1]): Promise<ResolvedImage> {
    if (looksLikePath(ref)) {
      const dir = isAbsolute(ref) ? ref : resolve(this.cwd, ref);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InvalidInputError(`image "${ref}": no such directory`);
      return { ref: dir, id: `dir:${Bun.hash(dir).toString(16)}`, layers: [dir], config: {} };
    }
    if (!this.fallback) {
      throw new InvalidInputError(`image "${ref}": pulling images is not available in this build`, {
        hint: "give a rootfs directory (./rootfs) as the image",
      });
    }
    return this.fallback.resolve(ref, options);
  }
}

/** A file of the image as the container will see it: the topmost layer that has it wins. */
export function readImageFile(image: ResolvedImage, path: string): string {
  for (const layer of [...image.layers].reverse()) {
    const file = join(layer, path);
    try {
      return readFileSync(file, "utf8");
    } catch {}
    // a whiteout hides the file of lower layers (OCI image-spec layer.md)
    if (existsSync(join(layer, path.replace(/[^/]+$/, (n) => `.wh.${n}`)))) return "";
  }
  return "";
}

export function imageConfig(image: ResolvedImage): OciImageConfig {
  return image.config ?? {};
}
