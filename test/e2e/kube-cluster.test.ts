/**
 * Against a REAL cluster, only when KITTEN_TEST_KUBECONFIG names a kubeconfig (with a context
 * whose user may create namespaces): no kube-apiserver, k3s or kind can run on the machines CI
 * uses (research/kube.md §6), so CI skips this file and says so. It applies webstack into a fresh
 * namespace with --wait (images must be pullable by the cluster: KITTEN_TEST_KUBE_IMAGES_FROM,
 * e.g. a registry the cluster reaches, replaces docker.io in the compose file), checks a dry run
 * changes nothing, prunes, and deletes everything again.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLES, kitten, requireBinary } from "./helpers.ts";

const KUBECONFIG = process.env.KITTEN_TEST_KUBECONFIG;
const describeCluster = KUBECONFIG ? describe : describe.skip;
if (!KUBECONFIG) console.warn("kube-cluster.test.ts: skipped — set KITTEN_TEST_KUBECONFIG to run it against a real cluster (CI has none)");

describeCluster("kube apply against a real cluster (KITTEN_TEST_KUBECONFIG)", () => {
  requireBinary();
  const ns = `kitten-test-${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), "kitten-kube-cluster-"));
  cpSync(join(EXAMPLES, "webstack"), join(dir, "webstack"), { recursive: true });
  const file = join(dir, "webstack", "compose.yaml");
  const prefix = process.env.KITTEN_TEST_KUBE_IMAGES_FROM;
  if (prefix) writeFileSync(file, readFileSync(file, "utf8").replace(/image: (\S+)/g, (_m, i: string) => `image: ${prefix}/${i}`));
  const k = (args: string[]) => kitten(["kube", ...args, "-f", file, "--kubeconfig", KUBECONFIG!, "--namespace", ns], { timeoutMs: 600_000 });

  afterAll(async () => {
    await k(["delete", "-v"]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("a server-side dry run creates nothing", async () => {
    const res = await k(["apply", "--create-namespace", "--dry-run"]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain("server dry run");
  }, 120_000);

  test("apply --wait rolls webstack out; delete removes it", async () => {
    const res = await k(["apply", "--create-namespace", "--wait", "--timeout", "500"]);
    expect(res.stderr).not.toContain("error:");
    expect(res.code).toBe(0);
    for (const d of ["api", "cache", "db", "web"]) expect(res.stderr).toContain(`deployment "${d}" successfully rolled out`);
    const again = await k(["apply", "--prune"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("0 pruned");
    const del = await k(["delete", "-v"]);
    expect(del.code).toBe(0);
  }, 600_000);
});
