/**
 * Which service a word in a request means: its name, or a role ("the db", "the cache", "web")
 * matched against the images of the project's services.
 */
import { InvalidInputError } from "../core/errors.ts";
import { ROLE_KINDS, entryForImage } from "./catalog.ts";

export interface ServiceRef {
  name: string;
  image?: string;
}

const EXTRA_ROLES: Record<string, string[]> = {
  database: ["database"], db: ["database"], databases: ["database"], cache: ["cache"], web: ["web", "proxy"], proxy: ["proxy", "web"],
  frontend: ["web", "proxy"], api: ["runtime", "app"], app: ["runtime", "app"], backend: ["runtime", "app"], queue: ["queue"],
};

/** The service a word names, or undefined. Exact names win; then the image key; then a role that matches exactly one service. */
export function findService(services: ServiceRef[], word: string): string | undefined {
  const w = word.toLowerCase().replace(/^(the|a|an|my)\s+/, "").replace(/['’]s$/, "").trim();
  const exact = services.find((s) => s.name.toLowerCase() === w);
  if (exact) return exact.name;
  const byImage = services.filter((s) => {
    const entry = entryForImage(s.image);
    return entry && (entry.key === w || entry.names.includes(w));
  });
  if (byImage.length === 1) return byImage[0]!.name;
  const kinds = ROLE_KINDS[w] ?? EXTRA_ROLES[w];
  if (kinds) {
    const byRole = services.filter((s) => kinds.includes(entryForImage(s.image)?.kind ?? "app"));
    if (byRole.length === 1) return byRole[0]!.name;
  }
  return undefined;
}

export function requireService(services: ServiceRef[], word: string): string {
  const found = findService(services, word);
  if (found) return found;
  throw new InvalidInputError(`no service "${word}" in the project`, {
    hint: services.length ? `its services are: ${services.map((s) => s.name).join(", ")}` : "the project has no services yet",
  });
}
