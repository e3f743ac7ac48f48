import { describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { toCanonical, toCanonicalJson, toComposeYaml } from "../../../../src/engine/compose/render.ts";
import { load } from "./helpers.ts";

const project = load(
  [
    "services:",
    "  web:",
    "    image: nginx",
    "    command: [redis-server, --appendonly, 'yes', '8080:80', 'on']",
    "    environment: {Z: '1', A: '2', UNSET: null}",
    "    ports: ['8080:80']",
    "  api:",
    "    image: python:3.11-slim",
  ].join("\n"),
);

describe("canonical rendering", () => {
  test("orders the project as name, services, networks, volumes and sorts every mapping's keys", () => {
    const c = toCanonical(project);
    expect(Object.keys(c)).toEqual(["name", "services", "networks", "volumes"]);
    expect(Object.keys(c.services as object)).toEqual(["api", "web"]);
    const web = (c.services as Record<string, Record<string, unknown>>).web!;
    expect(Object.keys(web)).toEqual([...Object.keys(web)].sort());
    expect(Object.keys(web.environment as object)).toEqual(["A", "UNSET", "Z"]);
  });

  test("prints JSON with two-space indentation and a final newline", () => {
    const json = toCanonicalJson(project);
    expect(json).toEndWith("}\n");
    expect(JSON.parse(json)).toEqual(toCanonical(project));
    expect(json).toContain('\n  "services": {\n    "api": {');
  });

  test("prints YAML that reads back to the same value, quoting strings YAML 1.1 would misread", () => {
    const yaml = toComposeYaml(project);
    expect(parse(yaml)).toEqual(toCanonical(project));
    expect(parse(yaml, { version: "1.1" })).toEqual(toCanonical(project));
    expect(yaml).toContain('- "yes"');
    expect(yaml).toContain('- "on"');
  });

  test("renders the same project identically every time", () => {
    expect(toCanonicalJson(load("services:\n  b: {image: x}\n  a: {image: y}\n"))).toBe(toCanonicalJson(load("services:\n  a: {image: y}\n  b: {image: x}\n")));
  });
});
