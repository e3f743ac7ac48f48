/**
 * `kitten ask "run this on my cluster"`: the project exported to Kubernetes as a draft for
 * review — the manifests, the table of what they drop or approximate, and the `kitten kube apply`
 * command that is run once confirmed — then applied with the same engine call as `kube apply`.
 */
import pkg from "../../package.json" with { type: "json" };
import { InvalidInputError } from "../core/errors.ts";
import { kittenPaths } from "../core/paths.ts";
import type { Reporter } from "../core/reporter.ts";
import type { LoadedProject } from "../engine/compose/index.ts";
import type { Intent } from "../ai/intents.ts";
import { renderFindings } from "./render/kube.ts";

type KubeIntent = Extract<Intent, { action: "kube" }>;

async function prepare(loaded: LoadedProject | undefined, intent: KubeIntent) {
  if (!loaded) throw new InvalidInputError("which project? there is no compose file here", { hint: "name it with -f FILE, or run kitten ask in the project's directory" });
  const [{ resolveTarget }, { gatherInputs }, { exportProject }] = await Promise.all([import("./commands/kube-apply.ts"), import("../engine/kube/export/inputs.ts"), import("../engine/kube/export/index.ts")]);
  let target: ReturnType<typeof resolveTarget> | undefined;
  let why: string | undefined;
  try {
    target = resolveTarget({ ...(intent.context ? { context: intent.context } : {}), ...(intent.namespace ? { namespace: intent.namespace } : {}) });
  } catch (err) {
    why = (err as Error).message;
  }
  const namespace = intent.namespace ?? target?.namespace ?? "default";
  const result = exportProject(loaded.project, await gatherInputs(loaded, kittenPaths()), { namespace });
  const command = ["kitten", "kube", "apply", ...loaded.files.flatMap((f) => ["-f", f]), "--namespace", namespace, ...(intent.context ? ["--context", intent.context] : []), "--wait"].join(" ");
  return { result, target, why, namespace, command };
}

/** The draft shown before anything is applied. */
export async function kubeDraft(loaded: LoadedProject | undefined, intent: KubeIntent): Promise<string> {
  const { toYamlDocuments } = await import("../engine/kube/yaml.ts");
  const { result, target, why, command } = await prepare(loaded, intent);
  const where = target ? `cluster ${target.server} (context ${target.context}, namespace ${result.applySet.namespace})` : `no cluster yet: ${why}`;
  return [
    toYamlDocuments(result.objects),
    `# ${result.objects.length} objects for ${where}`,
    ...renderFindings(result.findings, "# dropped or approximated").split("\n").filter(Boolean).map((l) => `# ${l.replace(/^# /, "")}`),
    `# applied with: ${command}`,
    "",
  ].join("\n");
}

/** Applies the draft: server-side apply and rollout waiting, as `kitten kube apply --wait`. */
export async function kubeApplyDraft(loaded: LoadedProject | undefined, intent: KubeIntent, reporter: Reporter): Promise<void> {
  const { result, target, why } = await prepare(loaded, intent);
  if (!target) throw new InvalidInputError(why ?? "no kubeconfig", { code: "no_kubeconfig", hint: "point KUBECONFIG at your cluster's config (kitten never falls back to localhost:8080)" });
  if (target.unsupportedAuth) throw new InvalidInputError(`context "${target.context}" authenticates with ${target.unsupportedAuth}`, { code: "kube_auth", hint: "run kitten kube apply --kubectl, which lets kubectl run the plugin" });
  const [{ fetchClient }, { applyObjects }] = await Promise.all([import("../engine/kube/apply/client.ts"), import("../engine/kube/apply/apply.ts")]);
  const report = await applyObjects(fetchClient(target), result.objects, result.applySet, { wait: true, tooling: `kitten/v${pkg.version}`, reporter });
  reporter.emit({ type: "info", message: `project "${loaded!.project.name}" applied to ${target.server} (namespace ${result.applySet.namespace}): ${report.applied.length} objects; kitten kube delete removes them` });
}
