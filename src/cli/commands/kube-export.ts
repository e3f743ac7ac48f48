/**
 * `kitten kube export [-f FILE]... [-o DIR|-] [--namespace NS] ...`: the loaded project as
 * Kubernetes YAML, one object per document, on stdout or one file per object in DIR; the keys
 * that were dropped or approximated as a table on stderr.
 */
import { defineCommand, type ArgsDef } from "citty";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { projectArgs, projectOptions } from "../args.ts";
import { cliReporter } from "../render/reporter.ts";
import { renderFindings } from "../render/kube.ts";
import { InvalidInputError, RuntimeFailure, errorText } from "../../core/errors.ts";
import { kittenPaths } from "../../core/paths.ts";
import { writeFileAtomic } from "../../core/atomic-file.ts";
import type { Reporter } from "../../core/reporter.ts";
import type { ExportOptions } from "../../engine/kube/export/index.ts";

export const exportArgs = {
  namespace: { type: "string", alias: "n", description: "namespace of every object (default: default)" },
  "expose-as": { type: "string", description: "Service type for published ports: NodePort (default) or LoadBalancer" },
  liveness: { type: "boolean", description: "healthchecks also as livenessProbes (readinessProbes only by default)" },
  "network-policies": { type: "boolean", description: "NetworkPolicies for compose networks (isolation, internal)" },
  statefulset: { type: "boolean", description: "services with named volumes as StatefulSets (default: only with replicas > 1)" },
  "volume-size": { type: "string", description: "storage request of each PersistentVolumeClaim (default: 1Gi)" },
  "storage-class": { type: "string", description: "storageClassName of each PersistentVolumeClaim" },
  registry: { type: "string", description: "registry of the images kitten builds: <registry>/<project>-<service>:latest" },
  "wait-image": { type: "string", description: "image of the depends_on init containers (default: busybox:1.36)" },
  "job-wait-image": { type: "string", description: "image that waits for Jobs (default: registry.k8s.io/kubectl:v1.33.0)" },
  "cluster-domain": { type: "string", description: "the cluster's DNS domain (default: cluster.local)" },
} as const satisfies ArgsDef;

type ExportArgValues = { [K in keyof typeof exportArgs]?: (typeof exportArgs)[K]["type"] extends "boolean" ? boolean : string };

export function exportOptions(args: ExportArgValues): Partial<ExportOptions> {
  const o: Partial<ExportOptions> = {};
  if (args.namespace !== undefined) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(args.namespace) || args.namespace.length > 63) {
      throw new InvalidInputError(`invalid namespace "${args.namespace}"`, { code: "bad_flag", hint: "a namespace is a DNS label: lower-case letters, digits and '-'" });
    }
    o.namespace = args.namespace;
  }
  if (args["expose-as"] !== undefined) {
    const v = args["expose-as"].toLowerCase();
    if (v !== "nodeport" && v !== "loadbalancer") throw new InvalidInputError(`--expose-as must be NodePort or LoadBalancer, not "${args["expose-as"]}"`, { code: "bad_flag" });
    o.exposeAs = v === "nodeport" ? "NodePort" : "LoadBalancer";
  }
  if (args["volume-size"] !== undefined) {
    if (!/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(args["volume-size"])) throw new InvalidInputError(`invalid --volume-size "${args["volume-size"]}"`, { code: "bad_flag", hint: "a quantity like 1Gi or 500Mi" });
    o.volumeSize = args["volume-size"];
  }
  if (args.liveness) o.liveness = true;
  if (args["network-policies"]) o.networkPolicies = true;
  if (args.statefulset) o.statefulSets = true;
  if (args["storage-class"]) o.storageClass = args["storage-class"];
  if (args.registry) o.registry = args.registry;
  if (args["wait-image"]) o.waitImage = args["wait-image"];
  if (args["job-wait-image"]) o.jobWaitImage = args["job-wait-image"];
  if (args["cluster-domain"]) o.clusterDomain = args["cluster-domain"];
  return o;
}

/** Loader warnings minus "ignoring: ..." — those keys are rows of the findings table. */
function exportReporter(): Reporter {
  const inner = cliReporter();
  return { emit: (e) => (e.type === "warning" && /^ignoring: (service|network|volume) /.test(e.message) ? undefined : inner.emit(e)) };
}

/** Load, gather and export: shared by export, apply and ask. */
export async function exportFromArgs(rawArgs: string[], args: Record<string, unknown>, options: Partial<ExportOptions>) {
  const [{ loadProject }, { gatherInputs }, { exportProject }] = await Promise.all([
    import("../../engine/compose/index.ts"),
    import("../../engine/kube/export/inputs.ts"),
    import("../../engine/kube/export/index.ts"),
  ]);
  const po = projectOptions(rawArgs, args as { "project-name"?: string });
  const loaded = await loadProject({ ...po, stdin: po.files.includes("-") ? await Bun.stdin.text() : undefined, reporter: exportReporter() });
  const result = exportProject(loaded.project, await gatherInputs(loaded, kittenPaths()), options);
  return { loaded, result };
}

export default defineCommand({
  meta: { name: "kitten kube export", description: "write a project as Kubernetes YAML (one object per document)" },
  args: {
    ...projectArgs,
    output: { type: "string", alias: "o", description: "a directory for one file per object, or - for stdout (default)" },
    ...exportArgs,
  },
  async run({ args, rawArgs }) {
    const { toYamlDocuments } = await import("../../engine/kube/yaml.ts");
    const { loaded, result } = await exportFromArgs(rawArgs, args, exportOptions(args));
    const out = args.output ?? "-";
    if (out === "-") {
      process.stdout.write(toYamlDocuments(result.objects));
    } else {
      try {
        mkdirSync(out, { recursive: true });
        for (const o of result.objects) writeFileAtomic(join(out, `${o.metadata.name}-${o.kind.toLowerCase()}.yaml`), toYamlDocuments([o]));
      } catch (err) {
        throw new RuntimeFailure(`cannot write ${out}: ${errorText(err)}`, { cause: err });
      }
      process.stderr.write(`wrote ${result.objects.length} objects of project "${loaded.project.name}" to ${out}\n`);
    }
    process.stderr.write(renderFindings(result.findings, `kitten kube export (${loaded.project.name})`));
    return 0;
  },
});
