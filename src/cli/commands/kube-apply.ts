/**
 * `kitten kube apply`: export the project (same flags as `kube export`) and server-side apply it
 * to the cluster of a kubeconfig resolved as kubectl does — with Bun's fetch, or through kubectl
 * with --kubectl (exec-plugin auth). --prune removes what this project's ApplySet no longer
 * contains, --wait waits for rollouts, --dry-run asks the server (dryRun=All) and changes nothing.
 */
import { defineCommand, type ArgsDef } from "citty";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { InvalidInputError, RuntimeFailure } from "../../core/errors.ts";
import { projectArgs } from "../args.ts";
import { cliReporter } from "../render/reporter.ts";
import { renderFindings } from "../render/kube.ts";
import { exportArgs, exportFromArgs, exportOptions } from "./kube-export.ts";
import { resolveKubeconfig, type KubeTarget } from "../../engine/kube/apply/kubeconfig.ts";
import pkg from "../../../package.json" with { type: "json" };

export const clusterArgs = {
  kubeconfig: { type: "string", description: "kubeconfig file (default: KUBECONFIG, else ~/.kube/config, else in-cluster)" },
  context: { type: "string", description: "kubeconfig context (default: its current-context)" },
  kubectl: { type: "boolean", description: "run kubectl (on PATH, or KITTEN_KUBECTL) instead of kitten's client: for exec-plugin auth" },
  "dry-run": { type: "boolean", description: "server-side dry run (dryRun=All): validate and show, change nothing" },
} as const satisfies ArgsDef;

/** The cluster of --kubeconfig/--context, resolved as kubectl does (the namespace flag wins over the context's). */
export function resolveTarget(args: { kubeconfig?: string; context?: string; namespace?: string }): KubeTarget {
  return resolveKubeconfig({
    env: process.env,
    home: process.env.HOME || homedir(),
    ...(args.kubeconfig ? { file: args.kubeconfig } : {}),
    ...(args.context ? { context: args.context } : {}),
    ...(args.namespace ? { namespace: args.namespace } : {}),
    exists: existsSync,
    readFile: (p) => readFileSync(p, "utf8"),
  });
}

export async function runKubectl(calls: Array<{ argv: string[]; env: Record<string, string>; stdin?: string }>): Promise<void> {
  for (const call of calls) {
    let proc;
    try {
      proc = Bun.spawn(call.argv, { env: { ...process.env, ...call.env }, stdin: call.stdin === undefined ? "ignore" : new Blob([call.stdin]), stdout: "inherit", stderr: "inherit" });
    } catch {
      throw new InvalidInputError(`cannot run ${call.argv[0]}`, { code: "no_kubectl", hint: "install kubectl, or point KITTEN_KUBECTL at it" });
    }
    const code = await proc.exited;
    if (code !== 0) throw new RuntimeFailure(`${call.argv.slice(0, 3).join(" ")} ... failed (exit ${code})`, { code: "kubectl_failed" });
  }
}

export default defineCommand({
  meta: { name: "kitten kube apply", description: "server-side apply a project to the cluster of a kubeconfig" },
  args: {
    ...projectArgs,
    ...exportArgs,
    ...clusterArgs,
    prune: { type: "boolean", description: "delete objects of this project's ApplySet that the project no longer has" },
    wait: { type: "boolean", description: "wait for Deployments, StatefulSets and Jobs to roll out (kubectl's rules)" },
    timeout: { type: "string", description: "seconds --wait waits (default 300)" },
    "force-conflicts": { type: "boolean", description: "take over fields another field manager owns (force=true)" },
    "create-namespace": { type: "boolean", description: "create the namespace when it does not exist" },
  },
  async run({ args, rawArgs }) {
    const timeoutS = args.timeout === undefined ? 300 : Number(args.timeout);
    if (!(timeoutS > 0)) throw new InvalidInputError(`--timeout must be a number of seconds, not "${args.timeout}"`, { code: "bad_flag" });
    const target = resolveTarget(args);
    if (target.unsupportedAuth && !args.kubectl) {
      throw new InvalidInputError(`context "${target.context}" authenticates with ${target.unsupportedAuth}, which kitten does not run`, { code: "kube_auth", hint: "add --kubectl: kubectl runs the plugin" });
    }
    const options = { ...exportOptions(args), namespace: target.namespace };
    const { loaded, result } = await exportFromArgs(rawArgs, args, options);
    process.stderr.write(renderFindings(result.findings, `kitten kube export (${loaded.project.name})`));
    const o = { force: args["force-conflicts"], dryRun: args["dry-run"], prune: args.prune, wait: args.wait, waitTimeoutMs: timeoutS * 1000 };
    if (args.kubectl) {
      const { kubectlApplyCalls } = await import("../../engine/kube/apply/kubectl.ts");
      const kubectl = process.env.KITTEN_KUBECTL || "kubectl";
      await runKubectl(kubectlApplyCalls({ kubectl, ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}), ...(args.context ? { context: args.context } : {}) }, result.objects, result.applySet, o));
      return 0;
    }
    const [{ fetchClient }, { applyObjects }] = await Promise.all([import("../../engine/kube/apply/client.ts"), import("../../engine/kube/apply/apply.ts")]);
    const report = await applyObjects(fetchClient(target), result.objects, result.applySet, { ...o, createNamespace: args["create-namespace"], tooling: `kitten/v${pkg.version}`, reporter: cliReporter() });
    const created = report.applied.filter((a) => a.created).length;
    process.stderr.write(
      `${args["dry-run"] ? "server dry run: " : ""}project "${loaded.project.name}" applied to ${target.server} (context ${target.context}, namespace ${target.namespace}): ` +
        `${report.applied.length} objects (${created} created), ${report.pruned.length} pruned\n`,
    );
    return 0;
  },
});
