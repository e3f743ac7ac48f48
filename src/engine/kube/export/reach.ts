/**
 * Which services other services reach by name — each gets a Service, with or without ports
 * (kompose creates none for a service without `ports`, kompose#58, #146). A service is reached
 * when another depends on it or links to it, when another's environment, command or healthcheck
 * names it as a host (`db:5432`, `@db/`, `http://api`), when it declares ports (`expose`,
 * `ports`, the image's EXPOSE), or by a network alias.
 */
import type { Project } from "../../compose/model.ts";

function hostMention(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // a host name is delimited by start, '@', '/', '=', whitespace, quotes or ',' before, and ':', '/', end, whitespace, quotes or ',' after
  return new RegExp(`(^|[@/=\\s"',])${escaped}($|[:/\\s"',])`).test(text);
}

export function mentions(project: Project, target: string): boolean {
  for (const [name, s] of Object.entries(project.services)) {
    if (name === target) continue;
    const texts = [...Object.values(s.environment).filter((v): v is string => typeof v === "string"), ...(s.command ?? []), ...(s.entrypoint ?? []), ...(s.healthcheck?.test ?? [])];
    if (texts.some((t) => hostMention(t, target))) return true;
  }
  return false;
}

export function reachedByName(project: Project, hasPorts: (service: string) => boolean): Set<string> {
  const reached = new Set<string>();
  for (const [name, s] of Object.entries(project.services)) {
    for (const dep of Object.keys(s.depends_on ?? {})) reached.add(dep);
    if (hasPorts(name)) reached.add(name);
    if (Object.values(s.networks ?? {}).some((n) => (n?.aliases?.length ?? 0) > 0)) reached.add(name);
  }
  for (const name of Object.keys(project.services)) if (!reached.has(name) && mentions(project, name)) reached.add(name);
  return reached;
}
