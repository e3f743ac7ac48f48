import { describe, expect, test } from "bun:test";
import { familiarReference, normalizeReference, parseReference } from "../../../../src/engine/image/reference.ts";
import { InvalidInputError } from "../../../../src/core/errors.ts";

const D = `sha256:${"a".repeat(64)}`;

describe("image references", () => {
  test.each([
    ["nginx", "docker.io/library/nginx:latest"],
    ["nginx:1.27", "docker.io/library/nginx:1.27"],
    ["library/nginx", "docker.io/library/nginx:latest"],
    ["docker.io/nginx", "docker.io/library/nginx:latest"],
    ["index.docker.io/library/nginx:1", "docker.io/library/nginx:1"],
    ["bitnami/redis:7.2", "docker.io/bitnami/redis:7.2"],
    ["ghcr.io/org/app:v1.0", "ghcr.io/org/app:v1.0"],
    ["localhost/app", "localhost/app:latest"],
    ["localhost:5000/app:dev", "localhost:5000/app:dev"],
    ["127.0.0.1:5000/a/b/c:x_y-z.1", "127.0.0.1:5000/a/b/c:x_y-z.1"],
    ["[::1]:5000/app:1", "[::1]:5000/app:1"],
    [`nginx@${D}`, `docker.io/library/nginx@${D}`],
    [`nginx:1.27@${D}`, `docker.io/library/nginx:1.27@${D}`],
    [`quay.io/org/my_app__x.y-z@${D}`, `quay.io/org/my_app__x.y-z@${D}`],
  ])("normalizes %s to %s", (input, expected) => {
    expect(normalizeReference(input)).toBe(expected);
  });

  test.each([
    ["", "empty"],
    ["Nginx", "must be lowercase"],
    ["nginx:", "bad tag"],
    ["nginx:-x", "bad tag"],
    ["nginx@sha256:abc", "bad digest"],
    [`nginx@sha256:${"A".repeat(64)}`, "bad sha256 digest"],
    ["-nginx", "bad repository name component"],
    ["a//b", "bad repository name component"],
    ["host:port:x/app", "bad registry host"],
    ["nginx/", "bad repository name component"],
    [`${"a".repeat(256)}`, "longer than 255"],
  ])("rejects %p as invalid input (%s)", (input, message) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as InvalidInputError).exitCode).toBe(2);
    expect((caught as InvalidInputError).message).toContain(message);
    expect((caught as InvalidInputError).hint).toBeTruthy();
  });

  test.each([
    ["nginx", "nginx:latest"],
    ["bitnami/redis:7", "bitnami/redis:7"],
    ["ghcr.io/org/app:1", "ghcr.io/org/app:1"],
  ])("prints %s in the familiar form %s", (input, expected) => {
    expect(familiarReference(parseReference(input))).toBe(expected);
  });

  test("keeps tag and digest apart", () => {
    expect(parseReference(`localhost:5000/app:1@${D}`)).toEqual({ registry: "localhost:5000", repository: "app", tag: "1", digest: D });
  });
});
