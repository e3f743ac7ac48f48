/**
 * `kitten kube apply` / `kube delete` against a RECORDING FAKE API server
 * (test/fixtures/kube/recording-apiserver.ts — not Kubernetes: no kube-apiserver can run on these
 * machines, research/kube.md §6), over TLS with a client certificate or a bearer token, checking
 * what kitten sends: request paths, the apply-patch content type, fieldManager=kitten, force only
 * when asked, dryRun=All, ApplySet labels and prune selectors, rollout waiting. The real kubectl
 * (`--kubectl`) is driven against the same fake to check that kubectl's ApplySet id is kitten's.
 * A real cluster is used only when KITTEN_TEST_KUBECONFIG is set (kube-cluster.test.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { EXAMPLES, kitten, requireBinary } from "./helpers.ts";
import { startRecordingApiServer, type RecordingApiServer } from "../fixtures/kube/recording-apiserver.ts";

requireBinary();

const WEBSTACK = join(EXAMPLES, "webstack/compose.yaml");
let dir: string;
let server: RecordingApiServer;
let kubeconfig: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kitten-kube-apply-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => server?.stop());

function start(auth: "cert" | "token" = "cert", namespace = "default"): void {
  server = startRecordingApiServer({ auth });
  kubeconfig = join(dir, `kubeconfig-${crypto.randomUUID()}`);
  writeFileSync(kubeconfig, server.kubeconfig(namespace));
}

function k(args: string[], env: Record<string, string> = {}) {
  return kitten(args, { env: { KUBECONFIG: kubeconfig, HOME: dir, ...env }, timeoutMs: 60_000 });
}

const patches = () => server.requests.filter((r) => r.method === "PATCH");

async function applySetId(): Promise<string> {
  const exported = await kitten(["kube", "export", "-f", WEBSTACK]);
  return (parse(exported.stdout.split("---\n")[1]!) as { metadata: { labels: Record<string, string> } }).metadata.labels["applyset.kubernetes.io/part-of"]!;
}

describe("kube apply with kitten's client", () => {
  test("server-side applies every object with the apply-patch content type and fieldManager=kitten, the ApplySet parent first", async () => {
    start("cert");
    const res = await k(["kube", "apply", "-f", WEBSTACK]);
    expect(res.stderr).not.toContain("error:");
    expect(res.code).toBe(0);
    const p = patches();
    expect(p[0]!.path).toBe("/api/v1/namespaces/default/secrets/kitten-applyset-webstack");
    expect(p.every((r) => r.contentType === "application/apply-patch+yaml" && r.query.fieldManager === "kitten" && r.query.dryRun === undefined)).toBe(true);
    // force only for kitten's own parent object, never for the project's objects
    expect(p.slice(1).some((r) => r.query.force !== undefined && !r.path.endsWith("kitten-applyset-webstack"))).toBe(false);
    const paths = p.map((r) => r.path);
    for (const path of ["/api/v1/namespaces/default/secrets/db-env", "/api/v1/namespaces/default/configmaps/web-default-conf", "/api/v1/namespaces/default/persistentvolumeclaims/webstack-dbdata", "/api/v1/namespaces/default/services/postgres", "/apis/apps/v1/namespaces/default/deployments/web"]) {
      expect(paths).toContain(path);
    }
    // configuration before the workloads that use it
    expect(paths.indexOf("/api/v1/namespaces/default/configmaps/web-default-conf")).toBeLessThan(paths.indexOf("/apis/apps/v1/namespaces/default/deployments/web"));
    const id = await applySetId();
    const parent = server.objects.get("/api/v1/namespaces/default/secrets/kitten-applyset-webstack");
    expect(parent.metadata.labels["applyset.kubernetes.io/id"]).toBe(id);
    expect(parent.metadata.annotations["applyset.kubernetes.io/contains-group-kinds"]).toBe("ConfigMap,Deployment.apps,PersistentVolumeClaim,Secret,Service");
    expect(parent.metadata.annotations["applyset.kubernetes.io/tooling"]).toMatch(/^kitten\/v/);
    for (const r of p.slice(1, -0 || undefined)) if (!r.path.endsWith("kitten-applyset-webstack")) expect(r.body.metadata.labels["applyset.kubernetes.io/part-of"]).toBe(id);
    expect(res.stderr).toMatch(/project "webstack" applied to https:\/\/127\.0\.0\.1:\d+ \(context fake, namespace default\): 14 objects \(14 created\), 0 pruned/);
  }, 60_000);

  test("--dry-run sends dryRun=All on every write and stores nothing", async () => {
    start("cert");
    const res = await k(["kube", "apply", "-f", WEBSTACK, "--dry-run"]);
    expect(res.code).toBe(0);
    expect(patches().length).toBeGreaterThan(10);
    expect(patches().every((r) => r.query.dryRun === "All")).toBe(true);
    expect(server.objects.size).toBe(0);
    expect(res.stderr).toContain("server dry run");
  }, 60_000);

  test("--prune deletes only members of this ApplySet that the project lost, found by the part-of label", async () => {
    start("cert");
    expect((await k(["kube", "apply", "-f", WEBSTACK])).code).toBe(0);
    // a stranger in the namespace without the label, and one of another ApplySet
    server.objects.set("/api/v1/namespaces/default/services/stranger", { apiVersion: "v1", kind: "Service", metadata: { name: "stranger", labels: {} } });
    server.objects.set("/api/v1/namespaces/default/services/other", { apiVersion: "v1", kind: "Service", metadata: { name: "other", labels: { "applyset.kubernetes.io/part-of": "applyset-other-v1" } } });
    const smaller = join(dir, "smaller.yaml");
    writeFileSync(smaller, "name: webstack\nservices:\n  web:\n    image: nginx:1.27-alpine\n    ports: [\"8080:80\"]\n");
    server.requests.length = 0;
    const res = await k(["kube", "apply", "-f", smaller, "--prune"]);
    expect(res.stderr).not.toContain("error:");
    expect(res.code).toBe(0);
    const id = await applySetId();
    const lists = server.requests.filter((r) => r.method === "GET" && r.query.labelSelector);
    expect(lists.length).toBeGreaterThanOrEqual(4);
    expect(lists.every((r) => r.query.labelSelector === `applyset.kubernetes.io/part-of=${id}`)).toBe(true);
    const deleted = server.requests.filter((r) => r.method === "DELETE").map((r) => r.path).sort();
    expect(deleted).toEqual([
      "/api/v1/namespaces/default/configmaps/api-env-api-env",
      "/api/v1/namespaces/default/configmaps/web-default-conf",
      "/api/v1/namespaces/default/persistentvolumeclaims/webstack-dbdata",
      "/api/v1/namespaces/default/secrets/db-env",
      "/api/v1/namespaces/default/services/api",
      "/api/v1/namespaces/default/services/cache",
      "/api/v1/namespaces/default/services/db",
      "/api/v1/namespaces/default/services/postgres",
      "/apis/apps/v1/namespaces/default/deployments/api",
      "/apis/apps/v1/namespaces/default/deployments/cache",
      "/apis/apps/v1/namespaces/default/deployments/db",
    ]);
    expect(server.objects.has("/api/v1/namespaces/default/services/stranger")).toBe(true);
    expect(server.objects.has("/api/v1/namespaces/default/services/other")).toBe(true);
    // after pruning, the parent lists only what the set still has
    expect(server.objects.get("/api/v1/namespaces/default/secrets/kitten-applyset-webstack").metadata.annotations["applyset.kubernetes.io/contains-group-kinds"]).toBe("Deployment.apps,Service");
  }, 60_000);

  test("--wait polls the workloads until kubectl's rollout rules say done", async () => {
    start("cert");
    const res = await k(["kube", "apply", "-f", WEBSTACK, "--wait"]);
    expect(res.code).toBe(0);
    for (const d of ["api", "cache", "db", "web"]) expect(res.stderr).toContain(`deployment "${d}" successfully rolled out`);
    expect(server.requests.filter((r) => r.method === "GET" && r.path === "/apis/apps/v1/namespaces/default/deployments/web").length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  test("a field another manager owns is a conflict (exit 1, hint --force-conflicts); --force-conflicts sends force=true", async () => {
    start("cert");
    expect((await k(["kube", "apply", "-f", WEBSTACK])).code).toBe(0);
    const path = "/apis/apps/v1/namespaces/default/deployments/web";
    const obj = server.objects.get(path);
    // someone else scaled it with their own field manager
    const patch = await fetch(`${server.url}${path}?fieldManager=kubectl-scale&force=true`, { method: "PATCH", headers: { "Content-Type": "application/apply-patch+yaml" }, body: JSON.stringify({ ...obj, spec: { ...obj.spec, replicas: 3 } }), tls: { ca: await Bun.file(server.caFile).text(), cert: await Bun.file(server.clientCertFile).text(), key: await Bun.file(server.clientKeyFile).text() } } as RequestInit);
    expect(patch.status).toBe(200);
    const res = await k(["kube", "apply", "-f", WEBSTACK]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('error: apply Deployment web: Apply failed with 1 conflict: conflict with "kubectl-scale"');
    expect(res.stderr).toContain("hint: another field manager owns these fields: take them over with --force-conflicts");
    server.requests.length = 0;
    const forced = await k(["kube", "apply", "-f", WEBSTACK, "--force-conflicts"]);
    expect(forced.code).toBe(0);
    expect(patches().find((r) => r.path === path)!.query.force).toBe("true");
    expect(server.objects.get(path).spec.replicas).toBe(1);
  }, 60_000);

  test("a bearer token from the kubeconfig is sent; a wrong one is refused with a hint", async () => {
    start("token");
    const res = await k(["kube", "apply", "-f", WEBSTACK, "--namespace", "default"]);
    expect(res.code).toBe(0);
    expect(server.requests.every((r) => r.authorization === `Bearer ${server.token}`)).toBe(true);
    writeFileSync(kubeconfig, server.kubeconfig().replace(server.token, "wrong"));
    const bad = await k(["kube", "apply", "-f", WEBSTACK]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("hint: the cluster did not accept the credentials");
  }, 60_000);

  test("kube delete removes the set's objects but keeps the claim without -v, and everything with -v", async () => {
    start("cert");
    expect((await k(["kube", "apply", "-f", WEBSTACK])).code).toBe(0);
    const res = await k(["kube", "delete", "-f", WEBSTACK]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain("kept persistentvolumeclaim/webstack-dbdata (--volumes deletes them)");
    expect([...server.objects.keys()].sort()).toEqual(["/api/v1/namespaces/default/persistentvolumeclaims/webstack-dbdata", "/api/v1/namespaces/default/secrets/kitten-applyset-webstack"]);
    expect((await k(["kube", "delete", "-f", WEBSTACK, "-v"])).code).toBe(0);
    expect(server.objects.size).toBe(0);
  }, 60_000);
});

describe("kube apply refusals", () => {
  test("no kubeconfig is an error (exit 2), never a fall back to localhost:8080", async () => {
    const res = await kitten(["kube", "apply", "-f", WEBSTACK], { env: { HOME: dir } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("error: no kubeconfig: nothing found at");
    expect(res.stderr).toContain("kitten never falls back to localhost:8080");
  });

  test("a user with an exec plugin needs --kubectl (exit 2)", async () => {
    const file = join(dir, "exec-kubeconfig");
    writeFileSync(file, "apiVersion: v1\nkind: Config\ncurrent-context: eks\nclusters:\n- name: c\n  cluster: {server: https://127.0.0.1:1}\ncontexts:\n- name: eks\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: [eks, get-token]}\n");
    const res = await kitten(["kube", "apply", "-f", WEBSTACK, "--kubeconfig", file], { env: { HOME: dir } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('error: context "eks" authenticates with an exec plugin (aws), which kitten does not run');
    expect(res.stderr).toContain("hint: add --kubectl");
  });

  test("an unknown flag is refused (exit 2)", async () => {
    const res = await kitten(["kube", "apply", "-f", WEBSTACK, "--frobnicate"], { env: { HOME: dir } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("error: unknown flag: --frobnicate");
  });
});

describe("kube apply --kubectl, with the real kubectl client", () => {
  test("kubectl applies server-side with fieldManager=kitten, prunes by an ApplySet whose id is kitten's, and waits for rollouts", async () => {
    start("cert");
    const res = await k(["kube", "apply", "-f", WEBSTACK, "--kubectl", "--prune", "--wait"]);
    expect(res.stderr).not.toContain("error:");
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("deployment.apps/web serverside-applied");
    expect(res.stdout).toContain('deployment "web" successfully rolled out');
    const members = patches().filter((r) => !r.path.endsWith("kitten-applyset-webstack"));
    expect(members.length).toBe(14);
    expect(members.every((r) => r.query.fieldManager === "kitten" && r.contentType === "application/apply-patch+yaml" && r.query.force === "false")).toBe(true);
    // kubectl labels the members itself: its ApplySet id for the parent kitten names is kitten's
    const id = await applySetId();
    expect(members.every((r) => r.body.metadata.labels["applyset.kubernetes.io/part-of"] === id)).toBe(true);
    expect(server.objects.get("/api/v1/namespaces/default/secrets/kitten-applyset-webstack").metadata.labels["applyset.kubernetes.io/id"]).toBe(id);

    // a server dry run through kubectl changes nothing
    server.requests.length = 0;
    const count = server.objects.size;
    expect((await k(["kube", "apply", "-f", WEBSTACK, "--kubectl", "--dry-run"])).code).toBe(0);
    expect(patches().length).toBe(14);
    expect(patches().every((r) => r.query.dryRun === "All")).toBe(true);
    expect(server.objects.size).toBe(count);

    // kube delete --kubectl: kubectl deletes by the set's label, keeping the claim without -v
    server.requests.length = 0;
    const del = await k(["kube", "delete", "-f", WEBSTACK, "--kubectl"]);
    expect(del.code).toBe(0);
    expect(server.requests.filter((r) => r.method === "GET" && r.query.labelSelector).every((r) => r.query.labelSelector === `applyset.kubernetes.io/part-of=${id}`)).toBe(true);
    expect([...server.objects.keys()].sort()).toEqual(["/api/v1/namespaces/default/persistentvolumeclaims/webstack-dbdata", "/api/v1/namespaces/default/secrets/kitten-applyset-webstack"]);
    expect((await k(["kube", "delete", "-f", WEBSTACK, "--kubectl", "-v"])).code).toBe(0);
    expect(server.objects.size).toBe(0);
  }, 60_000);
});

describe('kitten ask "run this on my cluster"', () => {
  test("shows the manifests and the apply command as a draft and changes nothing without --yes; --yes applies them", async () => {
    start("cert", "shop");
    server.objects.set("/api/v1/namespaces/shop", { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } });
    const draft = await k(["ask", "run this on my cluster", "-f", WEBSTACK]);
    expect(draft.code).toBe(0);
    expect(draft.stdout).toContain("kind: Deployment");
    expect(draft.stdout).toContain("namespace: shop");
    expect(draft.stdout).toMatch(/# 14 objects for cluster https:\/\/127\.0\.0\.1:\d+ \(context fake, namespace shop\)/);
    expect(draft.stdout).toContain(`# applied with: kitten kube apply -f ${WEBSTACK} --namespace shop --wait`);
    expect(draft.stderr).toContain("kitten would export the project to Kubernetes and server-side apply it");
    expect(draft.stderr).toContain("hint: run again with --yes to do it");
    expect(patches()).toEqual([]);
    const applied = await k(["ask", "run this on my cluster", "-f", WEBSTACK, "--yes"]);
    expect(applied.stderr).not.toContain("error:");
    expect(applied.code).toBe(0);
    expect(patches().length).toBe(15);
    expect(applied.stderr).toContain('deployment "web" successfully rolled out');
    expect(server.objects.has("/apis/apps/v1/namespaces/shop/deployments/web")).toBe(true);
  }, 60_000);
});
