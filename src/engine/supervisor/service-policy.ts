/** What the supervisor needs from a service: restart policy, effective healthcheck, stop settings. */
import type { Project } from "../compose/model.ts";
import type { OciImageConfig } from "../image/types.ts";
import { stopGraceMs } from "../orchestrate/container-spec.ts";
import { resolveHealthConfig } from "./healthcheck.ts";
import { parseRestartPolicy } from "./restart-policy.ts";
import type { ServicePolicy } from "./supervisor.ts";

export function servicePolicy(project: Project, service: string, image?: OciImageConfig): ServicePolicy | undefined {
  const s = project.services[service];
  if (!s) return undefined;
  const health = resolveHealthConfig(s.healthcheck, image?.Healthcheck);
  return {
    restart: parseRestartPolicy(s.restart),
    ...(health ? { health } : {}),
    stopGraceMs: stopGraceMs(s),
    ...(s.stop_signal ?? image?.StopSignal ? { stopSignal: s.stop_signal ?? image?.StopSignal } : {}),
    ...(s.post_start?.length ? { postStart: s.post_start } : {}),
    ...(s.pre_stop?.length ? { preStop: s.pre_stop } : {}),
  };
}
