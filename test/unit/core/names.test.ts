import { describe, expect, test } from "bun:test";
import { checkName, nameProblem, type NameKind } from "../../../src/core/names.ts";

const KINDS: NameKind[] = ["service", "container", "volume", "network", "secret", "config"];

/** names that would leave a directory, hide a file, or break a path, an interface or a DNS name */
const TRAVERSALS = ["", ".", "..", "../x", "../../../../etc", "a/b", "/abs", "a\\b", "a\0b", ".hidden", "-flag", "_x", "a b", "a\nb", "x".repeat(256), "é", "a:b", "a$b"];

describe("names that become paths", () => {
  for (const kind of KINDS) {
    test.each(TRAVERSALS.map((n) => [JSON.stringify(n).slice(0, 40), n]))(`${kind}: refuses %s with exit 2 and a hint`, (_shown, name) => {
      expect(nameProblem(kind, name)).toBeDefined();
      try {
        checkName(kind, name, "a test");
        throw new Error("accepted");
      } catch (err) {
        expect((err as { exitCode?: number }).exitCode).toBe(2);
        expect((err as Error).message).toStartWith(`invalid ${kind} name `);
        expect((err as Error).message).not.toContain("\n");
        expect((err as { hint?: string }).hint).toContain("starting with a letter or digit");
      }
    });
    test.each(["web", "a", "db-1", "my_app.v2", "x".repeat(255)])(`${kind}: accepts %p`, (name) => {
      expect(checkName(kind, name)).toBe(name);
    });
  }
});
