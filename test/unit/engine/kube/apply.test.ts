/**
 * The pure parts of `kube apply`: kubeconfig resolution as kubectl does it (KUBECONFIG lists
 * merged first-wins, relative paths against the file, in-cluster, no localhost:8080 fallback),
 * kubectl's rollout rules, and the ApplySet id and names export gives objects.
 */
import { describe, expect, test } from "bun:test";
import { resolveKubeconfig, type KubeconfigOptions } from "../../../../src/engine/kube/apply/kubeconfig.ts";
import { rolloutState } from "../../../../src/engine/kube/apply/rollout.ts";
import { kubectlApplyCalls } from "../../../../src/engine/kube/apply/kubectl.ts";
import { applySetId } from "../../../../src/engine/kube/labels.ts";
import { dnsLabel, isDnsLabel } from "../../../../src/engine/kube/names.ts";
import { exportProject } from "../../../../src/engine/kube/export/index.ts";
import { ProjectSchema } from "../../../../src/engine/compose/model.ts";

function fs(files: Record<string, string>): Pick<KubeconfigOptions, "exists" | "readFile"> {
  return { exists: (p) => p in files, readFile: (p) => files[p] ?? "" };
}

const A = `apiVersion: v1
current-context: a
clusters:
- name: c1
  cluster: {server: "https://a.example:6443/", certificate-authority: certs/ca.pem}
contexts:
- name: a
  context: {cluster: c1, user: u1, namespace: team-a}
- name: shared
  context: {cluster: c1, user: u1}
users:
- name: u1
  user: {client-certificate-data: ${Buffer.from("CERT").toString("base64")}, client-key: /keys/u1.key}
`;
const B = `apiVersion: v1
current-context: b
contexts:
- name: shared
  context: {cluster: c2, user: u2}
- name: b
  context: {cluster: c2, user: u2}
clusters:
- name: c2
  cluster: {server: "https://b.example", insecure-skip-tls-verify: true}
users:
- name: u2
  user: {token: tok-b}
`;

describe("kubeconfig resolution", () => {
  const files = fs({ "/cfg/a.yaml": A, "/cfg/b.yaml": B, "/cfg/certs/ca.pem": "CA", "/keys/u1.key": "KEY" });
  test("KUBECONFIG merges first-wins: the first file's current-context, contexts and clusters", () => {
    const t = resolveKubeconfig({ env: { KUBECONFIG: "/cfg/a.yaml:/missing.yaml:/cfg/b.yaml" }, home: "/home/u", ...files });
    expect(t).toMatchObject({ server: "https://a.example:6443", context: "a", namespace: "team-a", ca: "CA", cert: "CERT", key: "KEY", source: "/cfg/a.yaml:/cfg/b.yaml" });
    // "shared" is defined in both: the first file's definition wins
    expect(resolveKubeconfig({ env: { KUBECONFIG: "/cfg/a.yaml:/cfg/b.yaml" }, home: "/h", context: "shared", ...files }).server).toBe("https://a.example:6443");
    expect(resolveKubeconfig({ env: { KUBECONFIG: "/cfg/b.yaml:/cfg/a.yaml" }, home: "/h", context: "shared", ...files })).toMatchObject({ server: "https://b.example", token: "tok-b", insecureSkipTlsVerify: true, namespace: "default" });
  });
  test("--namespace wins over the context's; --kubeconfig alone ignores KUBECONFIG", () => {
    expect(resolveKubeconfig({ env: { KUBECONFIG: "/cfg/a.yaml" }, home: "/h", namespace: "x", ...files }).namespace).toBe("x");
    expect(resolveKubeconfig({ env: { KUBECONFIG: "/cfg/a.yaml" }, home: "/h", file: "/cfg/b.yaml", ...files }).context).toBe("b");
  });
  test("~/.kube/config when KUBECONFIG is unset", () => {
    expect(resolveKubeconfig({ env: {}, home: "/home/u", ...fs({ "/home/u/.kube/config": B }) }).server).toBe("https://b.example");
  });
  test("in a pod: the ServiceAccount's token, CA and namespace", () => {
    const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
    const t = resolveKubeconfig({ env: { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" }, home: "/h", ...fs({ [`${sa}/token`]: "sa-token\n", [`${sa}/ca.crt`]: "SACA", [`${sa}/namespace`]: "apps" }) });
    expect(t).toMatchObject({ server: "https://10.0.0.1:443", token: "sa-token", ca: "SACA", namespace: "apps", context: "in-cluster" });
  });
  test("nothing found is an error naming where it looked, never localhost:8080", () => {
    expect(() => resolveKubeconfig({ env: {}, home: "/home/u", ...fs({}) })).toThrow("no kubeconfig: nothing found at /home/u/.kube/config");
    expect(() => resolveKubeconfig({ env: { KUBECONFIG: "/nope" }, home: "/h", ...fs({}) })).toThrow("KUBECONFIG (/nope)");
  });
  test("an unknown context and a missing referenced file are errors", () => {
    expect(() => resolveKubeconfig({ env: { KUBECONFIG: "/cfg/a.yaml" }, home: "/h", context: "zzz", ...files })).toThrow('context "zzz" is not in /cfg/a.yaml');
    expect(() => resolveKubeconfig({ env: { KUBECONFIG: "/cfg/a.yaml" }, home: "/h", ...fs({ "/cfg/a.yaml": A }) })).toThrow("certificate-authority /cfg/certs/ca.pem");
  });
});

describe("rollout rules (kubectl's rollout_status.go)", () => {
  const dep = (status: object, generation = 2) => ({ kind: "Deployment", metadata: { name: "web", generation }, spec: { replicas: 2 }, status });
  test.each([
    [dep({ observedGeneration: 1 }), false, "waiting for the spec update to be observed"],
    [dep({ observedGeneration: 2, updatedReplicas: 1, replicas: 2 }), false, "1 of 2 new replicas updated"],
    [dep({ observedGeneration: 2, updatedReplicas: 2, replicas: 3 }), false, "1 old replicas pending termination"],
    [dep({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 1 }), false, "1 of 2 updated replicas available"],
    [dep({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }), true, "successfully rolled out"],
  ])("deployment %#", (obj, done, message) => {
    const s = rolloutState(obj)!;
    expect(s.done).toBe(done);
    expect(s.message).toContain(message);
  });
  test("a deployment past its progress deadline fails", () => {
    expect(rolloutState(dep({ observedGeneration: 2, conditions: [{ type: "Progressing", reason: "ProgressDeadlineExceeded" }] }))!.failed).toBe(true);
  });
  test("statefulsets wait for ready replicas and the update revision; a partition counts updated replicas", () => {
    const sts = (status: object, spec: object = { replicas: 3 }) => ({ kind: "StatefulSet", metadata: { name: "db", generation: 1 }, spec, status });
    expect(rolloutState(sts({ observedGeneration: 1, readyReplicas: 2 }))!.done).toBe(false);
    expect(rolloutState(sts({ observedGeneration: 1, readyReplicas: 3, currentRevision: "a", updateRevision: "b" }))!.done).toBe(false);
    expect(rolloutState(sts({ observedGeneration: 1, readyReplicas: 3, currentRevision: "b", updateRevision: "b" }))!.done).toBe(true);
    expect(rolloutState(sts({ observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1 }, { replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } }))!.done).toBe(true);
  });
  test("jobs are done when Complete and fail when Failed", () => {
    const job = (conditions: object[]) => ({ kind: "Job", metadata: { name: "migrate" }, status: { conditions } });
    expect(rolloutState(job([{ type: "Complete", status: "True" }]))!.done).toBe(true);
    expect(rolloutState(job([{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }]))!.failed).toBe(true);
    expect(rolloutState(job([]))!.done).toBe(false);
  });
});

describe("names and the ApplySet", () => {
  test("names become DNS labels of at most 63 characters; long ones keep a hash so they stay distinct", () => {
    expect(dnsLabel("web")).toBe("web");
    expect(dnsLabel("My_Service.v2")).toBe("my-service-v2");
    const a = dnsLabel(`${"x".repeat(70)}-a`);
    const b = dnsLabel(`${"x".repeat(70)}-b`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(a) && isDnsLabel(b)).toBe(true);
    expect(a).not.toBe(b);
  });
  test("the ApplySet id is kubectl's: applyset-base64url(sha256(name.namespace.Kind.group))-v1", () => {
    expect(applySetId("p", "ns")).toBe(`applyset-${new Bun.CryptoHasher("sha256").update("p.ns.Secret.").digest("base64url")}-v1`);
  });
  test("kubectl mode: server-side with fieldManager kitten, --prune by the parent with KUBECTL_APPLYSET, the part-of label left to kubectl", () => {
    const project = ProjectSchema.parse({ name: "p", services: { web: { image: "nginx", ports: [{ target: 80, published: "8080" }] } } });
    const r = exportProject(project);
    const calls = kubectlApplyCalls({ kubectl: "kubectl", context: "prod" }, r.objects, r.applySet, { prune: true, force: true, wait: true });
    expect(calls[0]!.argv).toEqual(["kubectl", "--context", "prod", "apply", "--server-side", "--field-manager=kitten", "--validate=false", "-n", "default", "-f", "-", "--force-conflicts", "--prune", "--applyset=kitten-applyset-p"]);
    expect(calls[0]!.env).toEqual({ KUBECTL_APPLYSET: "true" });
    expect(calls[0]!.stdin).not.toContain("applyset.kubernetes.io/part-of");
    expect(calls.slice(1).map((c) => c.argv.slice(3, 5))).toEqual([["rollout", "status"]]);
  });
});
