/**
 * Golden YAML of `kube export` for every compose example and a corpus of compose files
 * (test/fixtures/kube/corpus), each object validated against Kubernetes' published schemas
 * (kubernetes-models) and the naming/selector rules the schemas miss. Regenerate the golden files
 * with UPDATE_GOLDEN=1 after a deliberate change, and read the diff.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { loadProject } from "../../../../src/engine/compose/index.ts";
import { gatherInputs } from "../../../../src/engine/kube/export/inputs.ts";
import { exportProject, type ExportOptions } from "../../../../src/engine/kube/export/index.ts";
import { toYamlDocuments } from "../../../../src/engine/kube/yaml.ts";
import { allProblems } from "../../../fixtures/kube/schema.ts";

const REPO = resolve(import.meta.dir, "../../../..");
const GOLDEN = join(REPO, "test/fixtures/kube/golden");
const CORPUS = join(REPO, "test/fixtures/kube/corpus");

interface Case {
  name: string;
  file: string;
  projectName?: string;
  options?: Partial<ExportOptions>;
}

const CASES: Case[] = [
  { name: "webstack", file: join(REPO, "compose-examples/webstack/compose.yaml") },
  { name: "kitten-single-web", file: join(REPO, "compose-examples/kitten-single-web.json"), projectName: "single" },
  { name: "kitten-web-db", file: join(REPO, "compose-examples/kitten-web-db.json"), projectName: "webdb" },
  { name: "kitten-microservices", file: join(REPO, "compose-examples/kitten-microservices.json"), projectName: "micro" },
  ...readdirSync(CORPUS).filter((f) => f.endsWith(".yaml")).sort().map((f) => ({ name: basename(f, ".yaml"), file: join(CORPUS, f) })),
  { name: "isolated-policies", file: join(CORPUS, "isolated.yaml"), options: { networkPolicies: true, namespace: "shop", exposeAs: "LoadBalancer" } },
  { name: "stateful-liveness", file: join(CORPUS, "stateful.yaml"), options: { liveness: true, statefulSets: true, storageClass: "fast", volumeSize: "20Gi" } },
];

async function exported(c: Case) {
  const empty = mkdtempSync(join(tmpdir(), "kitten-kube-golden-"));
  try {
    const loaded = await loadProject({ files: [c.file], projectName: c.projectName, env: { HOME: "/home/user", KUBE_CORPUS_API_KEY: "key-from-the-environment" } });
    const inputs = await gatherInputs(loaded, { data: join(empty, "data"), runtime: join(empty, "run"), config: join(empty, "config") }, { KUBE_CORPUS_API_KEY: "key-from-the-environment" });
    return exportProject(loaded.project, inputs, c.options);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}

function findingsText(findings: { subject: string; key: string; treatment: string; detail: string }[]): string {
  return findings.map((f) => `${f.subject} | ${f.key} | ${f.treatment} | ${f.detail.replaceAll(REPO, "<repo>")}\n`).join("");
}

describe("kube export golden files", () => {
  for (const c of CASES) {
    test(`${c.name}: every object validates and the output matches the golden file`, async () => {
      const result = await exported(c);
      expect(allProblems(result.objects)).toEqual([]);
      const yaml = toYamlDocuments(result.objects);
      const findings = findingsText(result.findings);
      const yamlFile = join(GOLDEN, `${c.name}.yaml`);
      const findingsFile = join(GOLDEN, `${c.name}.findings.txt`);
      if (process.env.UPDATE_GOLDEN === "1" || !existsSync(yamlFile)) {
        writeFileSync(yamlFile, yaml);
        writeFileSync(findingsFile, findings);
      }
      expect(yaml).toBe(readFileSync(yamlFile, "utf8"));
      expect(findings).toBe(readFileSync(findingsFile, "utf8"));
    });
  }
});
