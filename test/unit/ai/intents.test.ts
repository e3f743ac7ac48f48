import { describe, expect, test } from "bun:test";
import { changesState, classifyIntent, describeIntent, resolveIntent, type Intent } from "../../../src/ai/intents.ts";

const CASES: [string, Intent | undefined][] = [
  ["scale web to 3", { action: "scale", service: "web", replicas: 3 }],
  ["Scale the api up to 5 replicas", { action: "scale", service: "api", replicas: 5 }],
  ["restart the db", { action: "restart", services: ["db"] }],
  ["please restart api and web", { action: "restart", services: ["api", "web"] }],
  ["restart everything", { action: "restart", services: [] }],
  ["stop everything", { action: "stop", services: [] }],
  ["stop the cache service", { action: "stop", services: ["cache"] }],
  ["shut down all services", { action: "stop", services: [] }],
  ["tear down the stack", { action: "down" }],
  ["start web", { action: "start", services: ["web"] }],
  ["show the api logs", { action: "logs", service: "api", follow: false }],
  ["show me the logs of the db", { action: "logs", service: "db", follow: false }],
  ["tail web logs", { action: "logs", service: "web", follow: true }],
  ["show logs", { action: "logs", service: undefined, follow: false }],
  ["why did api crash?", { action: "diagnose", services: ["api"] }],
  ["Why does the db keep restarting?", { action: "diagnose", services: ["db"] }],
  ["what's wrong with web", { action: "diagnose", services: ["web"] }],
  ["why did the token service crash?", { action: "diagnose", services: ["token"] }],
  ["diagnose worker", { action: "diagnose", services: ["worker"] }],
  ["what is running", { action: "status" }],
  ["status", { action: "status" }],
  ["run this on my cluster", { action: "kube" }],
  ["Deploy it to Kubernetes", { action: "kube" }],
  ["move the stack to k8s in namespace shop", { action: "kube", namespace: "shop" }],
  ["put the whole project on the cluster prod-eu", { action: "kube", context: "prod-eu" }],
  ["run nginx on my laptop", undefined],
  // drafting requests are not intents
  ["deploy nginx on port 8080", undefined],
  ["start nginx on port 8080", undefined],
  ["start a postgres with password secret", undefined],
  ["Set up wordpress with mysql database", undefined],
  ["Run 3 nginx containers behind a load balancer", undefined],
];

describe("intents", () => {
  test.each(CASES)("reads %p", (request, intent) => {
    expect(classifyIntent(request)).toEqual(intent);
  });

  test("resolves role words to the project's services", () => {
    const services = [{ name: "web", image: "nginx:alpine" }, { name: "pg", image: "postgres:16" }, { name: "cache", image: "redis:7" }];
    expect(resolveIntent({ action: "restart", services: ["db"] }, services)).toEqual({ action: "restart", services: ["pg"] });
    expect(resolveIntent({ action: "scale", service: "web", replicas: 2 }, services)).toEqual({ action: "scale", service: "web", replicas: 2 });
    expect(resolveIntent({ action: "logs", service: "redis", follow: false }, services)).toEqual({ action: "logs", service: "cache", follow: false });
  });

  test("names the project's services when the one asked for is not among them", () => {
    expect(() => resolveIntent({ action: "restart", services: ["queue"] }, [{ name: "web", image: "nginx" }])).toThrow('no service "queue" in the project');
  });

  test.each([
    ["scale web to 3 replicas", { action: "scale", service: "web", replicas: 3 } as Intent, true],
    ["stop every service", { action: "stop", services: [] } as Intent, true],
    ["show the logs of api and follow them", { action: "logs", service: "api", follow: true } as Intent, false],
    ["diagnose api", { action: "diagnose", services: ["api"] } as Intent, false],
  ])("describes the action as %p for the confirmation", (text, intent, changes) => {
    expect(describeIntent(intent)).toBe(text);
    expect(changesState(intent)).toBe(changes);
  });
});
