/**
 * post_start and pre_stop (compose-spec services.md#post_start): commands run in the container
 * through exec, one after another. post_start runs after each start kitten makes (up, start,
 * restart — compose does not run it for a restart by the daemon's policy, nor does kitten's
 * supervisor); pre_stop before each stop kitten makes (stop, down, restart, a recreate), never
 * before a kill or a natural exit (compose's convergence and down do the same).
 */
import { RuntimeFailure } from "../../core/errors.ts";
import type { Hook } from "../compose/model.ts";
import type { ContainerRuntime } from "../runtime/types.ts";

export type HookPhase = "post_start" | "pre_stop";

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.trim() ?? "";
}

/** Runs the hooks in order; the first that fails stops the rest and is the error. */
export async function runHooks(runtime: ContainerRuntime, container: string, phase: HookPhase, hooks: Hook[]): Promise<void> {
  for (const hook of hooks) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(hook.environment ?? {})) if (v !== null) env[k] = v;
    const res = await runtime.exec(container, hook.command, {
      env,
      ...(hook.user ? { user: hook.user } : {}),
      ...(hook.working_dir ? { workingDir: hook.working_dir } : {}),
      ...(hook.privileged ? { privileged: true } : {}),
      timeoutMs: 10 * 60_000,
    });
    if (res.exitCode !== 0) {
      const why = lastLine(res.stderr) || lastLine(res.stdout);
      throw new RuntimeFailure(`container "${container}": ${phase} hook \`${hook.command.join(" ")}\` exited with status ${res.exitCode}${why ? `: ${why}` : ""}`, {
        code: "hook_failed",
        hint: `see the hook's command under ${phase}: in the service`,
      });
    }
  }
}
