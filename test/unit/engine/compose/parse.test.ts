import { describe, expect, test } from "bun:test";
import { InvalidInputError } from "../../../../src/core/errors.ts";
import { formatPath, parseText } from "../../../../src/engine/compose/parse.ts";

describe("parseText", () => {
  const text = ["services:", "  web:", "    image: nginx", "    ports:", '      - "80:80"', "      - target: 443"].join("\n");

  test("locates values by key path", () => {
    const parsed = parseText(text, "c.yaml");
    expect(parsed.locate(["services", "web", "image"])).toEqual({ file: "c.yaml", line: 3, col: 12 });
    expect(parsed.locate(["services", "web", "ports", 1, "target"])).toEqual({ file: "c.yaml", line: 6, col: 17 });
    expect(parsed.locateKey(["services", "web", "image"])).toEqual({ file: "c.yaml", line: 3, col: 5 });
  });

  test("falls back to the nearest located ancestor", () => {
    expect(parseText(text, "c.yaml").locate(["services", "web", "nothing", 3])).toEqual({ file: "c.yaml", line: 3, col: 5 });
  });

  test("locates keys merged in from an anchor", () => {
    const parsed = parseText(["x-base: &base", "  restart: always", "services:", "  web:", "    <<: *base", "    image: nginx"].join("\n"), "c.yaml");
    expect(parsed.value).toEqual({ "x-base": { restart: "always" }, services: { web: { restart: "always", image: "nginx" } } });
    expect(parsed.locate(["services", "web", "restart"]).line).toBe(2);
  });

  test("parses JSON with positions", () => {
    const parsed = parseText('{\n  "containers": {\n    "web": {"image": "nginx"}\n  }\n}', "k.json");
    expect(parsed.locate(["containers", "web", "image"])).toEqual({ file: "k.json", line: 3, col: 22 });
  });

  test.each([
    ["a: [1, 2", "invalid YAML"],
    ["a: 1\na: 2", "duplicate key"],
    ["a:\n\t- b", "tabs are not allowed as indentation"],
  ])("refuses %p with its location", (input, message) => {
    let err: unknown;
    try {
      parseText(input, "bad.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).message).toContain(message);
    expect((err as InvalidInputError).location?.line).toBeGreaterThan(0);
  });

  test("formats key paths the way errors show them", () => {
    expect(formatPath(["services", "web", "ports", 0, "target"])).toBe("services.web.ports[0].target");
  });
});
