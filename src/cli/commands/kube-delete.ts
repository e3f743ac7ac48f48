/**
 * `kitten kube delete`: remove what `kube apply` put in the cluster — every object labelled with
 * this project's ApplySet id, workloads first — keeping PersistentVolumeClaims unless --volumes
 * (as `kitten down` keeps volumes without -v), then the ApplySet's parent.
 */
import { defineCommand } from "citty";
import { InvalidInputError } from "../../core/errors.ts";
import { projectArgs, projectOptions } from "../args.ts";
import { cliReporter } from "../render/reporter.ts";
import { clusterArgs, resolveTarget, runKubectl } from "./kube-apply.ts";

export default defineCommand({
  meta: { name: "kitten kube delete", description: "delete what kube apply created (the project's ApplySet)" },
  args: {
    ...projectArgs,
    ...clusterArgs,
    namespace: { type: "string", alias: "n", description: "namespace (default: the context's)" },
    volumes: { type: "boolean", alias: "v", description: "also delete the PersistentVolumeClaims (their data)" },
  },
  async run({ args, rawArgs }) {
    const target = resolveTarget(args);
    if (target.unsupportedAuth && !args.kubectl) {
      throw new InvalidInputError(`context "${target.context}" authenticates with ${target.unsupportedAuth}, which kitten does not run`, { code: "kube_auth", hint: "add --kubectl: kubectl runs the plugin" });
    }
    const [{ applySetId, applySetParentName, APPLYSET_PART_OF }, { loadProject }] = await Promise.all([import("../../engine/kube/labels.ts"), import("../../engine/compose/index.ts")]);
    const name = args["project-name"] ?? (await loadProject({ ...projectOptions(rawArgs, args), reporter: cliReporter() })).project.name;
    const parent = applySetParentName(name);
    const set = { parent, id: applySetId(parent, target.namespace), namespace: target.namespace };
    if (args.kubectl) {
      const kubectl = process.env.KITTEN_KUBECTL || "kubectl";
      const base = [kubectl, ...(args.kubeconfig ? ["--kubeconfig", args.kubeconfig] : []), ...(args.context ? ["--context", args.context] : [])];
      const kinds = `deployments.apps,statefulsets.apps,jobs.batch,services,configmaps,secrets,networkpolicies.networking.k8s.io,serviceaccounts,roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io${args.volumes ? ",persistentvolumeclaims" : ""}`;
      const dry = args["dry-run"] ? ["--dry-run=server"] : [];
      const calls = [{ argv: [...base, "delete", kinds, "-n", set.namespace, "-l", `${APPLYSET_PART_OF}=${set.id}`, ...dry], env: {} }];
      // the parent goes last, and only when nothing of the set is kept
      if (args.volumes) calls.push({ argv: [...base, "delete", "secret", set.parent, "-n", set.namespace, "--ignore-not-found", ...dry], env: {} });
      await runKubectl(calls);
      return 0;
    }
    const [{ fetchClient }, { deleteApplySet }] = await Promise.all([import("../../engine/kube/apply/client.ts"), import("../../engine/kube/apply/apply.ts")]);
    const r = await deleteApplySet(fetchClient(target), set, { volumes: args.volumes, dryRun: args["dry-run"], reporter: cliReporter() });
    const kept = r.kept.length > 0 ? `; kept ${r.kept.map((k) => `${k.kind.toLowerCase()}/${k.name}`).join(", ")} (--volumes deletes them)` : "";
    process.stderr.write(`${args["dry-run"] ? "server dry run: " : ""}project "${name}": ${r.deleted.length} objects deleted from namespace ${target.namespace}${kept}\n`);
    return 0;
  },
});
