/**
 * `--kubectl`: the escape hatch for clusters whose kubeconfig user authenticates with an exec
 * plugin or auth provider (EKS, GKE, OIDC) — kitten hands the exported YAML to
 * `kubectl apply --server-side --field-manager=kitten` and kubectl runs the plugin. Pruning uses
 * kubectl's own ApplySet support (KUBECTL_APPLYSET=true, --prune --applyset=<parent>), whose id is
 * the one kitten labels the objects with; waiting uses `rollout status` and `wait`.
 * `--validate=false`: kubectl's own validation downloads the server's OpenAPI documents first;
 * kitten's objects are built as kubernetes-types and tested against the published schemas, and
 * the API server still checks every applied object against its schema.
 */
import type { KubeObject } from "../objects.ts";
import { APPLYSET_PART_OF, MANAGER } from "../labels.ts";
import { toYamlDocuments } from "../yaml.ts";
import type { ApplySetRef } from "./apply.ts";

export interface KubectlCall {
  argv: string[];
  env: Record<string, string>;
  stdin?: string;
}

export interface KubectlTarget {
  kubectl: string;
  kubeconfig?: string;
  context?: string;
}

function base(t: KubectlTarget): string[] {
  return [t.kubectl, ...(t.kubeconfig ? ["--kubeconfig", t.kubeconfig] : []), ...(t.context ? ["--context", t.context] : [])];
}

export function kubectlApplyCalls(t: KubectlTarget, objects: KubeObject[], set: ApplySetRef, o: { force?: boolean; dryRun?: boolean; prune?: boolean; wait?: boolean; waitTimeoutMs?: number }): KubectlCall[] {
  const calls: KubectlCall[] = [];
  // with --applyset kubectl labels the members itself and refuses input that carries the label
  const input = o.prune
    ? objects.map((x) => {
        const { [APPLYSET_PART_OF]: _, ...labels } = x.metadata.labels ?? {};
        return { ...x, metadata: { ...x.metadata, labels } };
      })
    : objects;
  const yaml = toYamlDocuments(input);
  const argv = [...base(t), "apply", "--server-side", `--field-manager=${MANAGER}`, "--validate=false", "-n", set.namespace, "-f", "-"];
  if (o.force) argv.push("--force-conflicts");
  if (o.dryRun) argv.push("--dry-run=server");
  const env: Record<string, string> = {};
  if (o.prune) {
    argv.push("--prune", `--applyset=${set.parent}`);
    env.KUBECTL_APPLYSET = "true";
  }
  calls.push({ argv, env, stdin: yaml });
  if (o.wait && !o.dryRun) {
    const timeout = `--timeout=${Math.ceil((o.waitTimeoutMs ?? 300_000) / 1000)}s`;
    for (const x of objects) {
      if (x.kind === "Deployment" || x.kind === "StatefulSet" || x.kind === "DaemonSet") calls.push({ argv: [...base(t), "rollout", "status", `${x.kind.toLowerCase()}/${x.metadata.name}`, "-n", set.namespace, timeout], env: {} });
      else if (x.kind === "Job") calls.push({ argv: [...base(t), "wait", "--for=condition=complete", `job/${x.metadata.name}`, "-n", set.namespace, timeout], env: {} });
    }
  }
  return calls;
}
