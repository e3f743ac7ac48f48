/**
 * The offline drafter against its corpus (test/fixtures/ask/corpus.yaml, issue #17): requests
 * written for the tests, each with the project a person would expect. Every case is checked
 * (services, images, replicas, ports, depends_on, env, networks, restart, what a load balancer
 * balances); the failures are listed, and at least 95 % must pass.
 */
import { describe, expect, test } from "bun:test";
import { draftOffline } from "../../../src/ai/offline/index.ts";
import { differences, loadCorpus } from "../../fixtures/ask/score.ts";

const CORPUS = loadCorpus();

describe("the offline drafter's corpus", () => {
  test("has at least 100 requests, all different", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(CORPUS.map((c) => c.request)).size).toBe(CORPUS.length);
  });

  test("drafts at least 95 % of the corpus exactly as expected", () => {
    const failures: string[] = [];
    for (const c of CORPUS) {
      let diffs: string[];
      try {
        diffs = differences(draftOffline(c.request, { projectName: "demo" }).project, c);
      } catch (err) {
        diffs = [`refused: ${(err as Error).message}`];
      }
      if (diffs.length) failures.push(`"${c.request}":\n    ${diffs.join("\n    ")}`);
    }
    const passed = CORPUS.length - failures.length;
    const rate = passed / CORPUS.length;
    // the failures are the list to work from: printed whether or not the bar is met
    console.log(`drafter corpus: ${passed}/${CORPUS.length} (${(rate * 100).toFixed(1)} %)${failures.length ? `; failing:\n  ${failures.join("\n  ")}` : ""}`);
    expect(rate).toBeGreaterThanOrEqual(0.95);
  });
});
