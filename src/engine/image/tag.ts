/**
 * `kitten tag SOURCE TARGET`: another name for a local image, as docker tag: SOURCE is a name or
 * an id (prefix), TARGET a tag reference — normalized (`app` → docker.io/library/app:latest) and
 * moved from any image that had it. A digest cannot be a target: it names content, not a choice.
 */
import { InvalidInputError } from "../../core/errors.ts";
import { kittenPaths, type KittenPaths } from "../../core/paths.ts";
import { findImage } from "./manage.ts";
import { formatReference, parseReference } from "./reference.ts";
import { ImageStore } from "./store.ts";

export function tagImage(source: string, target: string, paths: KittenPaths = kittenPaths()): { id: string; tag: string } {
  const r = parseReference(target);
  if (r.digest) {
    throw new InvalidInputError(`cannot tag "${target}": a digest reference is not a tag`, { code: "bad_reference", hint: `use a tag, e.g. ${r.registry}/${r.repository}:1.0` });
  }
  const store = new ImageStore(paths);
  const image = findImage(store, source);
  const tag = formatReference(r);
  store.addNames(image.id, { tags: [tag] });
  return { id: image.id, tag };
}
