/**
 * Images for the runtime. A directory is a valid image (the Kitten format's "image": "./rootfs"):
 * one layer, empty config. References go to the image store (issue #3) when it is wired in.
 */
import { existsSync, lstatSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import type { KittenPaths } from "../../core/paths.ts";
import { resolveInRoot } from "../../core/safe-path.ts";
import type { Reporter } from "../../core/reporter.ts";
import type { ImageResolver, OciImageConfig, ResolvedImage } from "../image/types.ts";

export function looksLikePath(ref: string): boolean {
  return ref.startsWith("/") || ref.startsWith("./") || ref.startsWith("../") || ref === "." || ref === "..";
}

/**
 * The runtime's ImageResolver: directories are resolved here, cheaply, the way the image store
 * does it (same id); references load the image store (issue #3) lazily, so `kitten run ./rootfs`
 * does not pay for importing the registry client.
 */
export class RuntimeImages implements ImageResolver {
  private store?: ImageResolver;

  constructor(private readonly options: { paths: KittenPaths; reporter: Reporter; cwd?: string }) {}

  async resolve(ref: string, options?: Parameters<ImageResolver["resolve"]>[1]): Promise<ResolvedImage> {
    if (looksLikePath(ref)) {
      const dir = isAbsolute(ref) ? ref : resolve(this.options.cwd ?? process.cwd(), ref);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) {
        throw new InvalidInputError(`image directory ${dir} does not exist`, { code: "image_missing", hint: "an image given as a path must be a directory holding a root filesystem" });
      }
      const id = `sha256:${new Bun.CryptoHasher("sha256").update(`dir:${dir}`).digest("hex")}`;
      return { ref: dir, id, layers: [dir], config: {} };
    }
    if (!this.store) {
      const { Images } = await import("../image/resolver.ts");
      this.store = new Images(this.options);
    }
    return this.store.resolve(ref, options);
  }
}

/**
 * A file of the image as the container will see it: the topmost layer that has it wins. The
 * path is resolved inside each layer (an image's `/etc/passwd -> /etc/shadow` or `etc -> /etc`
 * symlink names the layer's own file, never the host's: #14).
 */
/** /etc/passwd and /etc/group of real images are a few KB; docker reads them whole too */
const MAX_IMAGE_FILE = 4 << 20;

export function readImageFile(image: ResolvedImage, path: string): string {
  for (const layer of [...image.layers].reverse()) {
    const file = resolveInRoot(layer, path);
    let st;
    try {
      st = lstatSync(file);
    } catch {
      // an OCI `.wh.` file also hides the lower layers' file (image-spec layer.md)
      if (existsSync(resolveInRoot(layer, path.replace(/[^/]+$/, (n) => `.wh.${n}`)))) return "";
      continue;
    }
    // unpacked layers mark deletions with overlayfs whiteouts: a 0:0 character device
    if (st.isCharacterDevice()) return "";
    // a FIFO would block the read forever, a huge file fill the memory: neither is a passwd file
    if (!st.isFile() || st.size > MAX_IMAGE_FILE) return "";
    try {
      return readFileSync(file, "utf8");
    } catch {
      return "";
    }
  }
  return "";
}

export function imageConfig(image: ResolvedImage): OciImageConfig {
  return image.config ?? {};
}
