/**
 * The corpus of bad inputs in test/fixtures/bad/: each must be refused with exit 2, a first line
 * `error: ...` naming the problem (and where it is, when a location is known), one hint line
 * after it, nothing on stdout, and never a stack trace.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kitten, REPO } from "./helpers.ts";

const BAD = join(REPO, "test/fixtures/bad");

interface Case {
  /** a file in test/fixtures/bad, or a directory there to run `kitten config` in */
  input: string;
  /** substring of the error line */
  expect: string;
  /** the error line starts with this location, relative to test/fixtures/bad */
  at?: string;
  args?: string[];
  env?: Record<string, string>;
}

const CASES: Case[] = [
  { input: "malformed-yaml.yaml", expect: "invalid YAML", at: "malformed-yaml.yaml:4:" },
  { input: "tab-indent.yaml", expect: "tabs are not allowed", at: "tab-indent.yaml:3:" },
  { input: "duplicate-key.yaml", expect: "duplicate key", at: "duplicate-key.yaml:4:5" },
  { input: "multiple-documents.yaml", expect: "a second document (---) in one file", at: "multiple-documents.yaml:2:1" },
  { input: "unclosed-quote.yaml", expect: "invalid YAML" },
  { input: "yaml-unresolved-alias.yaml", expect: "unresolved alias" },
  { input: "empty.yaml", expect: "empty file" },
  { input: "top-level-list.yaml", expect: "top level must be a mapping" },
  { input: "unknown-service-key.yaml", expect: 'unknown key "imgae"', at: "unknown-service-key.yaml:3:5" },
  { input: "unknown-top-level-key.yaml", expect: 'unknown key "servics"', at: "unknown-top-level-key.yaml:1:1" },
  { input: "service-not-mapping.yaml", expect: "services.web: expected a mapping", at: "service-not-mapping.yaml:2:8" },
  { input: "ports-not-list.yaml", expect: "services.web.ports: expected a list", at: "ports-not-list.yaml:4:12" },
  { input: "environment-wrong-type.yaml", expect: "services.web.environment: expected a mapping" },
  { input: "bad-port-string.yaml", expect: 'services.web.ports[0]: invalid port "8080:80x"', at: "bad-port-string.yaml:4:13" },
  { input: "port-out-of-range.yaml", expect: 'invalid host port "70000"' },
  { input: "bad-port-protocol.yaml", expect: 'unknown protocol "xdp"' },
  { input: "port-range-mismatch.yaml", expect: "port ranges differ" },
  { input: "bad-restart.yaml", expect: 'invalid restart policy "sometimes"', at: "bad-restart.yaml:4:14" },
  { input: "multi-line-value.yaml", expect: 'invalid restart policy "always\\nnow"' },
  { input: "bad-duration.yaml", expect: 'services.web.healthcheck.interval: invalid duration "10 seconds"' },
  { input: "negative-replicas.yaml", expect: "services.web.deploy.replicas: must be at least 0" },
  { input: "replicas-not-integer.yaml", expect: "services.web.deploy.replicas: expected an integer" },
  { input: "bad-memory.yaml", expect: 'invalid memory size "512x"' },
  { input: "bad-ulimit.yaml", expect: 'needs both "soft" and "hard"' },
  { input: "bad-healthcheck-test.yaml", expect: 'must start with "CMD", "CMD-SHELL" or "NONE"' },
  { input: "bad-depends-condition.yaml", expect: 'invalid condition "service_ready"' },
  { input: "unterminated-command-quote.yaml", expect: "unterminated double quote" },
  { input: "relative-volume-target.yaml", expect: 'the container path "html" must be absolute' },
  { input: "unknown-dependency.yaml", expect: 'service "web" depends on unknown service "dbb"', at: "unknown-dependency.yaml:4:" },
  { input: "dependency-cycle.yaml", expect: "dependency cycle: api -> web -> api" },
  { input: "self-dependency.yaml", expect: "dependency cycle: web -> web" },
  { input: "missing-required-variable.yaml", expect: "required variable DB_PASSWORD is missing a value: set DB_PASSWORD first", at: "missing-required-variable.yaml:5:26" },
  { input: "invalid-interpolation.yaml", expect: 'services.web.command: invalid interpolation format in "echo ${5}"', at: "invalid-interpolation.yaml:4:14" },
  { input: "network-mode-and-networks.yaml", expect: 'service "web" sets both network_mode and networks' },
  { input: "network-mode-unknown-service.yaml", expect: 'unknown service "apii"' },
  { input: "ip-outside-subnet.yaml", expect: "ipv4_address 10.1.0.5 is outside the subnet 10.0.0.0/24", at: "ip-outside-subnet.yaml:6:23" },
  { input: "ip-without-subnet.yaml", expect: 'ipv4_address 10.0.0.5 needs a subnet on network "front"' },
  { input: "duplicate-ip.yaml", expect: 'services "api" and "web" both use ipv4_address 10.0.0.5' },
  { input: "bad-subnet.yaml", expect: 'invalid subnet "10.0.0.0/33"' },
  { input: "port-conflict.yaml", expect: 'services "api" and "web" both publish host port 8080/tcp' },
  { input: "port-conflict-wildcard.yaml", expect: 'services "api" and "web" both publish host port' },
  { input: "port-conflict-replicas.yaml", expect: 'service "web" publishes host port 8080 with 3 replicas' },
  { input: "container-name-replicas.yaml", expect: 'service "web" sets container_name "the-web" with 2 replicas' },
  { input: "scale-conflict.yaml", expect: "sets scale 2 and deploy.replicas 3" },
  { input: "both-formats.json", expect: 'both "services" (compose) and "containers" (Kitten format)' },
  { input: "kitten-unknown-key.json", expect: 'unknown key "imgae" in containers.web', at: "kitten-unknown-key.json:4:" },
  { input: "kitten-missing-image.json", expect: 'container "web" needs an "image"' },
  { input: "kitten-ip-without-network.json", expect: 'containers.web.ip: "ip" needs a "network"' },
  { input: "extends-missing-service.yaml", expect: 'service "web" extends unknown service "bse"' },
  { input: "extends-cycle.yaml", expect: "extends cycle: a -> b -> a" },
  { input: "missing-env-file", expect: "web.env not found", at: "missing-env-file/compose.yaml:4:" },
  { input: "bad-dotenv", expect: "invalid line: expected KEY=VALUE", at: "bad-dotenv/.env:2" },
  { input: "undefined-network.yaml", expect: 'uses undefined network "frontend"' },
  { input: "undefined-volume.yaml", expect: 'uses undefined volume "dbdata"' },
  { input: "inactive-profile-dependency.yaml", expect: 'depends on service "debug", which is disabled by its profiles [tools]' },
  { input: "no-services.yaml", expect: "no services defined" },
  { input: "no-image.yaml", expect: 'service "web" has no image' },
  { input: "unsupported-network-driver.yaml", expect: 'network driver "overlay" is not supported' },
  { input: "external-network-with-ipam.yaml", expect: 'network "default" is external and cannot set ipam', at: "external-network-with-ipam.yaml:7:" },
  { input: "port-conflict.yaml", args: ["-p", "Bad Name"], expect: 'invalid project name "Bad Name"' },
  { input: "does-not-exist.yaml", expect: "file not found" },
  { input: "port-conflict.yaml", args: ["--format", "toml"], expect: 'unknown format "toml"' },
  { input: "port-conflict.yaml", args: ["--env-file", "missing.env"], expect: "file not found" },
];

describe("kitten config on bad inputs", () => {
  test("the corpus has at least 35 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(35);
  });

  test.each(CASES.map((c) => [`${c.input}${c.args ? ` ${c.args.join(" ")}` : ""}`, c] as const))("refuses %s", async (_name, c) => {
    const isDir = !c.input.includes(".");
    const args = ["config", ...(isDir ? [] : ["-f", join(BAD, c.input)]), ...(c.args ?? [])];
    const r = await kitten(args, { cwd: isDir ? join(BAD, c.input) : BAD, env: c.env });
    const lines = r.stderr.trimEnd().split("\n");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const error = lines.find((l) => l.startsWith("error: "));
    expect(error).toBeDefined();
    // only loader warnings may come before the error, and exactly one hint after it
    const at = lines.indexOf(error!);
    expect(lines.slice(0, at).every((l) => l.startsWith("warning: "))).toBe(true);
    expect(lines.slice(at + 1)).toEqual([expect.stringMatching(/^hint: \S/)]);
    expect(error).toContain(c.expect);
    if (c.at) expect(error).toStartWith(`error: ${join(BAD, c.at)}`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  test("refuses a directory without any compose file and says how to give one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitten-nofile-"));
    try {
      const r = await kitten(["config"], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toStartWith(`error: no compose file found in ${dir} or its parents\nhint: `);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
