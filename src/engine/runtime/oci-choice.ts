/**
 * Which OCI runtime to use: `--runtime` / KITTEN_RUNTIME when given; otherwise the first of
 * crun, runc that passes a real smoke run inside the namespace (crun is faster but fails on
 * cgroup-v1-hybrid hosts), cached per host in `<data>/oci-runtime.json` until the next boot.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError, RuntimeFailure } from "../../core/errors.ts";
import { writeFileAtomic } from "../../core/atomic-file.ts";
import { ensureDir, type KittenPaths } from "../../core/paths.ts";
import type { AgentClient } from "./agent-client.ts";
import type { OciRuntimeName } from "./agent-protocol.ts";

const RUNTIMES: readonly OciRuntimeName[] = ["runc", "crun"];

export interface RuntimeChoice {
  runtime: OciRuntimeName;
  bootId: string;
  rejected: Record<string, string>;
}

function bootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "unknown";
  }
}

export function requestedRuntime(explicit?: string): OciRuntimeName | undefined {
  const want = explicit ?? process.env.KITTEN_RUNTIME;
  if (!want) return undefined;
  const name = RUNTIMES.find((r) => r === want);
  if (!name) throw new InvalidInputError(`unknown OCI runtime "${want}"`, { hint: "use runc or crun" });
  if (!Bun.which(name)) throw new InvalidInputError(`OCI runtime "${want}" is not installed`, { hint: `apt-get install ${want}` });
  return name;
}

export function cachedRuntimeChoice(paths: KittenPaths): RuntimeChoice | undefined {
  try {
    const choice = JSON.parse(readFileSync(join(paths.data, "oci-runtime.json"), "utf8")) as RuntimeChoice;
    return choice.bootId === bootId() ? choice : undefined;
  } catch {
    return undefined;
  }
}

export async function chooseOciRuntime(paths: KittenPaths, agent: AgentClient, runtimeDir: string, explicit?: string): Promise<OciRuntimeName> {
  const forced = requestedRuntime(explicit);
  if (forced) return forced;
  const cached = cachedRuntimeChoice(paths);
  if (cached) return cached.runtime;
  const rejected: Record<string, string> = {};
  for (const runtime of ["crun", "runc"] as const) {
    if (!Bun.which(runtime)) {
      rejected[runtime] = "not installed";
      continue;
    }
    const r = await agent.call("smoke", { runtime, rootfs: "/", workDir: join(runtimeDir, `smoke-${runtime}`) });
    if (r.ok) {
      const choice: RuntimeChoice = { runtime, bootId: bootId(), rejected };
      writeFileAtomic(join(ensureDir(paths.data), "oci-runtime.json"), JSON.stringify(choice));
      return runtime;
    }
    rejected[runtime] = r.error ?? "failed";
  }
  throw new RuntimeFailure(`no OCI runtime works on this host: ${Object.entries(rejected).map(([k, v]) => `${k}: ${v}`).join("; ")}`, {
    hint: "apt-get install runc",
  });
}
