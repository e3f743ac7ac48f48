import type { Project } from "../../engine/compose/model.ts";
/** The nginx configuration a drafted proxy service runs with (from its command for now). */
export function proxyConfigOf(project: Project, service: string): string | undefined {
  const s = project.services[service];
  return s?.command?.join(" ").replaceAll("\\n", "\n");
}
