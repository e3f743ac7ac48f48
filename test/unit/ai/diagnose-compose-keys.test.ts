/**
 * Findings for failures the compose keys of issue #12 cause, on the errors they surface with:
 * `up`'s own (secrets, configs, devices), runc's for a sysctl the kernel refuses, the
 * supervisor's for a post_start hook, the OOM of a service with mem_limit (enforced or not), a
 * healthcheck that times out, and a secret or config mounted where a volume is.
 */
import { describe, expect, test } from "bun:test";
import { analyze, type Finding } from "../../../src/ai/diagnose/analyzers.ts";
import type { ContainerEvidence } from "../../../src/ai/diagnose/evidence.ts";

function evidence(over: Omit<Partial<ContainerEvidence>, "config"> & { config?: Partial<ContainerEvidence["config"]> }): ContainerEvidence {
  const { config, ...rest } = over;
  return {
    service: "web",
    container: "shop-web-1",
    state: "not created",
    restartCount: 0,
    logs: [],
    dependencies: [],
    ...rest,
    config: { image: "nginx:1.27", environment: {}, ports: [], ...config },
  };
}

interface Case {
  name: string;
  evidence: ContainerEvidence;
  rule: string;
  cause: string | RegExp;
  evidenceIncludes?: string;
  fixIncludes?: string;
  confidence?: Finding["confidence"];
  /** rules that must not be among the findings */
  not?: string[];
}

const CASES: Case[] = [
  {
    name: "a secret whose file is missing",
    evidence: evidence({ container: "", startPhase: "secrets", startError: 'secret "db_password": file /srv/shop/db_password.txt not found' }),
    rule: "secret-unavailable",
    cause: 'the secret "db_password" has no file: /srv/shop/db_password.txt does not exist',
    fixIncludes: "create /srv/shop/db_password.txt",
  },
  {
    name: "a secret file under a path with spaces",
    evidence: evidence({ container: "", startPhase: "secrets", startError: 'secret "pw": file /srv/my shop/pw.txt not found' }),
    rule: "secret-unavailable",
    cause: 'the secret "pw" has no file: /srv/my shop/pw.txt does not exist',
  },
  {
    name: "an image that cannot be pulled at up",
    evidence: evidence({ container: "", startPhase: "pull", startError: "docker.io/library/nginx:1.99: no mirror had the image and registry docker.io is not reachable (https://registry-1.docker.io: getaddrinfo ENOTFOUND registry-1.docker.io)", config: { image: "nginx:1.99" } }),
    rule: "image-missing",
    cause: 'the image "nginx:1.99" cannot be pulled: its registry is not reachable',
    fixIncludes: "kitten image load",
  },
  {
    name: "a secret file the user may not read",
    evidence: evidence({ container: "", startPhase: "secrets", startError: 'secret "tls_key": file /etc/ssl/private/shop.key cannot be read: permission denied for user kittest' }),
    rule: "secret-unavailable",
    cause: 'the secret "tls_key" cannot be read: permission denied for user kittest',
    fixIncludes: "make it readable by that user",
    not: ["exit-126"],
  },
  {
    name: "a secret file that is a directory",
    evidence: evidence({ container: "", startPhase: "secrets", startError: 'secret "certs": file /srv/shop/certs cannot be read (EISDIR)' }),
    rule: "secret-unavailable",
    cause: 'the secret "certs" cannot be read: EISDIR',
    fixIncludes: "/srv/shop/certs is a directory",
  },
  {
    name: "a config from an unset variable",
    evidence: evidence({ container: "", startPhase: "secrets", startError: 'environment variable "NGINX_CONF" required by config "nginx" is not set' }),
    rule: "secret-unavailable",
    cause: 'the config "nginx" comes from the environment variable NGINX_CONF, which is not set',
  },
  {
    name: "a sysctl this kernel does not have",
    evidence: evidence({
      startPhase: "create",
      startError: 'container "shop-web-1": runc create failed: runc create failed: unable to start container process: error during container init: open /proc/sys/net/ipv4/tcp_nosuchthing: no such file or directory',
      config: { sysctls: { "net.ipv4.tcp_nosuchthing": "1" } },
    }),
    rule: "sysctl-refused",
    cause: "the kernel has no sysctl net.ipv4.tcp_nosuchthing",
    evidenceIncludes: "sysctls: net.ipv4.tcp_nosuchthing=1",
    not: ["entrypoint-missing"],
  },
  {
    name: "a sysctl a rootless container may not write",
    evidence: evidence({
      startPhase: "create",
      startError: 'container "shop-web-1": runc create failed: runc create failed: unable to start container process: error during container init: open /proc/sys/net/core/rmem_max: permission denied',
      config: { sysctls: { "net.core.rmem_max": "8388608" } },
    }),
    rule: "sysctl-refused",
    cause: "the kernel refused the sysctl net.core.rmem_max: permission denied",
    fixIncludes: "sysctl -w net.core.rmem_max=8388608",
    not: ["exit-126"],
  },
  {
    name: "a net sysctl with the host's network namespace (runc's validation)",
    evidence: evidence({ startPhase: "create", startError: 'container "shop-web-1": runc create failed: sysctl "net.ipv4.ip_forward" not allowed in host network namespace' }),
    rule: "sysctl-refused",
    cause: "the kernel refused the sysctl net.ipv4.ip_forward: not allowed in host network namespace",
  },
  {
    name: "a device the rootless user may not open",
    evidence: evidence({ startPhase: "create", startError: 'container "shop-web-1": device /dev/ttyUSB0: permission denied for user kittest' }),
    rule: "device-refused",
    cause: "the device /dev/ttyUSB0 is not open to kittest: a rootless container can use only the devices its user may open",
    fixIncludes: "usermod -aG",
    not: ["exit-126"],
  },
  {
    name: "a device that is not there",
    evidence: evidence({ startPhase: "create", startError: 'container "shop-web-1": device /dev/ttyUSB0 does not exist on this host' }),
    rule: "device-refused",
    cause: "the device /dev/ttyUSB0 does not exist on this host",
  },
  {
    name: "a post_start hook that fails",
    evidence: evidence({
      state: "running",
      startPhase: "post_start",
      startError: 'container "shop-web-1": post_start hook `sh -c nginx -t && touch /ready` exited with status 1: nginx: [emerg] unknown directive "lisen" in /etc/nginx/conf.d/default.conf:2',
      config: { post_start: [{ command: ["sh", "-c", "nginx -t && touch /ready"], user: "www-data" }] },
    }),
    rule: "post-start-hook",
    cause: "the post_start hook failed (`sh -c nginx -t && touch /ready`, exit status 1): the container started, the hook did not",
    evidenceIncludes: 'unknown directive "lisen"',
    fixIncludes: "kitten exec -u www-data shop-web-1 sh -c 'nginx -t && touch /ready'",
    not: ["exit-127", "generic"],
  },
  {
    name: "a post_start hook whose program is missing",
    evidence: evidence({ state: "running", startPhase: "post_start", startError: 'container "shop-web-1": post_start hook `/opt/warm-cache` exited with status 127: exec: "/opt/warm-cache": executable file not found in $PATH' }),
    rule: "post-start-hook",
    cause: /the post_start hook failed/,
    fixIncludes: "the hook's program is not in the image",
    not: ["exit-127", "entrypoint-missing"],
  },
  {
    name: "a config mounted where a volume is",
    evidence: evidence({
      state: "exited",
      exitCode: 1,
      logs: ["nginx: [emerg] open() \"/etc/nginx/conf.d/site.conf\" failed (2: No such file or directory)"],
      config: {
        configs: [{ source: "site", target: "/etc/nginx/nginx.conf" }],
        volumes: [{ type: "bind", source: "/srv/shop/nginx.conf", target: "/etc/nginx/nginx.conf" }],
      },
    }),
    rule: "mount-clash",
    cause: 'the config "site" and the bind /srv/shop/nginx.conf are both mounted at /etc/nginx/nginx.conf: the config hides the bind',
  },
  {
    name: "an OOM kill under a mem_limit that is enforced",
    evidence: evidence({ state: "exited", exitCode: 137, signal: "SIGKILL", oomKilled: true, config: { mem_limit: "268435456" } }),
    rule: "oom",
    cause: "killed for running out of memory at its limit (mem_limit: 256 MiB)",
    fixIncludes: "raise mem_limit",
    confidence: "high",
  },
  {
    name: "an OOM kill under a mem_limit the runtime does not enforce",
    evidence: evidence({
      state: "exited",
      exitCode: 137,
      signal: "SIGKILL",
      oomKilled: true,
      limitsNotEnforced: 'container "shop-web-1": memory=268435456 not enforced: the cgroup hierarchies are not writable by kittest (kitten doctor)',
      config: { mem_limit: "268435456" },
    }),
    rule: "oom",
    cause: "killed for running out of memory: the host's memory ran out (its mem_limit of 256 MiB is not enforced here)",
    evidenceIncludes: "not enforced",
  },
  {
    name: "a healthcheck that times out",
    evidence: evidence({
      state: "running",
      health: { status: "unhealthy", failingStreak: 3, lastOutput: "health check exceeded timeout (2000ms)", lastExitCode: -1 },
      config: { healthcheck: { test: ["CMD-SHELL", "curl -f http://localhost:8080/health"], timeout: "2s" } },
    }),
    rule: "healthcheck-timeout",
    cause: "the healthcheck times out (timeout: 2s)",
    evidenceIncludes: "health check exceeded timeout (2000ms)",
    fixIncludes: "curl --max-time",
  },
];

describe("compose-key findings", () => {
  test.each(CASES.map((c) => [c.name, c] as const))("name the cause of %s", (_name, c) => {
    const findings = analyze(c.evidence);
    const f = findings.find((x) => x.rule === c.rule);
    expect(f, `rules found: ${findings.map((x) => x.rule).join(", ")}`).toBeDefined();
    if (!f) return;
    expect(findings[0]!.rule).toBe(c.rule);
    if (typeof c.cause === "string") expect(f.cause).toBe(c.cause);
    else expect(f.cause).toMatch(c.cause);
    if (c.evidenceIncludes) expect(f.evidence.join("\n")).toContain(c.evidenceIncludes);
    if (c.fixIncludes) expect(f.fix).toContain(c.fixIncludes);
    if (c.confidence) expect(f.confidence).toBe(c.confidence);
    for (const rule of c.not ?? []) expect(findings.map((x) => x.rule)).not.toContain(rule);
  });

  test("a volume mounted at a path no secret or config uses is no clash", () => {
    const e = evidence({ state: "exited", exitCode: 1, config: { secrets: [{ source: "pw", target: "/run/secrets/pw" }], volumes: [{ type: "volume", source: "data", target: "/run/secrets-data" }] } });
    expect(analyze(e).map((f) => f.rule)).not.toContain("mount-clash");
  });
});
