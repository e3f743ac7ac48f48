/**
 * `kitten kube` at the command line, without containers: export to a directory and to stdout
 * with the table on stderr, bad flags refused with exit 2, and `kube play` naming what it does not
 * run before it runs anything (the round trip itself is kube-roundtrip.test.ts).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLES, kitten, removeRoot, requireBinary, tempRoot } from "./helpers.ts";

requireBinary();
const dir = mkdtempSync(join(tmpdir(), "kitten-kube-cli-"));
const root = tempRoot();
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeRoot(root);
});
const k = (args: string[], stdin?: string) => kitten(args, { env: { KITTEN_ROOT: root, HOME: dir }, ...(stdin === undefined ? {} : { stdin }) });

describe("kitten kube export", () => {
  test("-o DIR writes one file per object; stdout gets nothing but the table goes to stderr", async () => {
    const out = join(dir, "k8s");
    const res = await k(["kube", "export", "-f", join(EXAMPLES, "webstack/compose.yaml"), "-o", out, "--namespace", "shop"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe("");
    expect(res.stderr).toContain('wrote 14 objects of project "webstack" to');
    // dropped: healthcheck.start_interval of api, db and cache (a probe has one period)
    expect(res.stderr).toMatch(/kitten kube export \(webstack\): 3 dropped, \d+ approximated\nWHAT +KEY +TREATMENT +DETAIL\n/);
    expect(res.stderr.match(/healthcheck\.start_interval +dropped/g)?.length).toBe(3);
    const files = readdirSync(out).sort();
    expect(files).toContain("web-deployment.yaml");
    expect(files).toContain("webstack-dbdata-persistentvolumeclaim.yaml");
    expect(readFileSync(join(out, "web-deployment.yaml"), "utf8")).toContain("namespace: shop");
  });

  test("the loader's ignored keys are rows of the table, not a second warning", async () => {
    writeFileSync(join(dir, "logging.yaml"), "services:\n  app:\n    image: busybox\n    cpu_shares: 512\n    logging: {driver: json-file, options: {max-size: 1m}}\n");
    const res = await k(["kube", "export", "-f", join(dir, "logging.yaml")]);
    expect(res.code).toBe(0);
    expect(res.stderr).not.toContain("warning: ignoring");
    expect(res.stderr).toMatch(/service app +cpu_shares +dropped +kitten does not model this key/);
    expect(res.stderr).toMatch(/service app +logging +dropped +the kubelet keeps and rotates container logs/);
  });

  test.each([
    [["--expose-as", "ClusterIP"], "--expose-as must be NodePort or LoadBalancer"],
    [["--namespace", "Bad_NS"], 'invalid namespace "Bad_NS"'],
    [["--volume-size", "lots"], 'invalid --volume-size "lots"'],
    [["--no-such-flag"], "unknown flag: --no-such-flag"],
  ])("refuses %p with exit 2", async (flags, message) => {
    const res = await k(["kube", "export", "-f", join(EXAMPLES, "kitten-single-web.json"), ...flags]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`error: ${message}`);
    expect(res.stdout).toBe("");
  });

  test("an unknown kube command is exit 2 with the list", async () => {
    const res = await k(["kube", "deploy"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('error: unknown kube command "deploy"');
    expect(res.stderr).toContain("hint: use one of: kitten kube export|apply|delete|play");
  });
});

describe("kitten kube play refusals", () => {
  test("YAML that is not Kubernetes objects is exit 2 with its location", async () => {
    const res = await k(["kube", "play", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n");
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("error: <stdin>:1: ConfigMap without metadata.name");
  });
  test("a missing file is exit 2", async () => {
    const res = await k(["kube", "play", join(dir, "nope.yaml")]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("error: cannot read");
  });
});
