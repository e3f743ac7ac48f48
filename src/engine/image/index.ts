/**
 * The image store's entry points for the rest of the engine: the ImageResolver the runtime uses
 * and `pullMissing` for `up --pull always|missing|never`.
 */
export type { ImageResolver, OciImageConfig, ResolvedImage } from "./types.ts";
export { Images, pullMissing } from "./resolver.ts";
export { pullImage, parsePullPolicy, type PullPolicy, type PullResult } from "./pull.ts";
export { normalizeReference, parseReference, familiarReference } from "./reference.ts";
