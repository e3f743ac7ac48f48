/** The compose `logging:` key (issue #13): what is read, what is refused with where and why, what is warned about. */
import { expect, test } from "bun:test";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import { containerSpec } from "../../../../src/engine/orchestrate/container-spec.ts";
import { load, service, serviceError } from "./helpers.ts";

test("reads a driver and its rotation options, as written", () => {
  expect(service('logging:\n  driver: json-file\n  options:\n    max-size: "10m"\n    max-file: 3').logging).toEqual({ driver: "json-file", options: { "max-size": "10m", "max-file": "3" } });
  expect(service("logging:\n  driver: none").logging).toEqual({ driver: "none" });
  expect(service("logging:\n  options:\n    max-size: 1g").logging).toEqual({ options: { "max-size": "1g" } });
});

test("gives the runtime numbers: bytes and a file count", () => {
  const project = load('services:\n  web:\n    image: nginx\n    logging:\n      driver: local\n      options:\n        max-size: "1m"\n        max-file: "2"\n');
  expect(containerSpec(project, "web", 1, "p-web-1", "h").logging).toEqual({ driver: "local", maxSize: 1024 * 1024, maxFile: 2 });
});

test.each([
  ["logging:\n  driver: syslog", 'services.web.logging.driver: logging driver "syslog" is not supported'],
  ["logging:\n  options:\n    max-size: lots", 'services.web.logging.options.max-size: invalid max-size "lots"'],
  ["logging:\n  options:\n    max-file: 0", 'services.web.logging.options.max-file: invalid max-file "0"'],
  ["logging:\n  driver: json-file\n  options:\n    max-sise: 1m", 'services.web.logging.options.max-sise: unknown log option "max-sise" for the json-file logging driver'],
  ["logging:\n  driver: none\n  options:\n    max-size: 1m", "services.web.logging.options: the none logging driver keeps no log: max-size and max-file mean nothing for it"],
  ["logging:\n  drive: json-file", 'services.web.logging.drive: unknown key "drive" in logging'],
])("refuses %p, naming where", (lines, message) => {
  const err = serviceError(lines);
  expect(err.message).toBe(message);
  expect(err.exitCode).toBe(2);
  expect(err.hint).toBeTruthy();
});

test("warns about options docker has and kitten cannot honour", () => {
  const reporter = new MemoryReporter();
  service("logging:\n  driver: local\n  options:\n    compress: 'true'", { reporter });
  expect(reporter.events.map((e) => ("message" in e ? e.message : ""))).toContainEqual(expect.stringContaining("logging.options.compress"));
});
