/**
 * The dropped/approximated table is complete: every key of the Compose Specification that
 * kitten's loader knows (spec-keys.ts: service keys, deploy keys, network and volume keys) is fed
 * to `kube export` on its own, and must either change the exported objects or be named in the
 * findings — a key that does neither would be a silent drop. A key added to spec-keys.ts without
 * a sample here fails the test, so the table grows with the loader.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { loadProject } from "../../../../src/engine/compose/index.ts";
import { DEPLOY_SPEC_KEYS, NETWORK_SPEC_KEYS, SERVICE_SPEC_KEYS, VOLUME_SPEC_KEYS } from "../../../../src/engine/compose/spec-keys.ts";
import { gatherInputs } from "../../../../src/engine/kube/export/inputs.ts";
import { exportProject } from "../../../../src/engine/kube/export/index.ts";
import { toYamlDocuments } from "../../../../src/engine/kube/yaml.ts";

type Doc = Record<string, any>;
/** a sample value of a service key, and what else the project needs for it */
type Sample = { value: unknown; project?: (doc: Doc) => void };

const SERVICE_SAMPLES: Record<string, Sample> = {
  image: { value: "nginx:1.27" },
  command: { value: ["serve", "--port", "80"] },
  entrypoint: { value: ["/entry"] },
  environment: { value: { MODE: "prod" } },
  env_file: { value: "./app.env" },
  ports: { value: ["8080:80"] },
  expose: { value: ["9000"] },
  networks: { value: ["backend"], project: (d) => (d.networks = { backend: {} }) },
  network_mode: { value: "host" },
  depends_on: { value: { other: { condition: "service_healthy" } } },
  restart: { value: "on-failure:2" },
  healthcheck: { value: { test: ["CMD", "true"], interval: "5s" } },
  deploy: { value: { replicas: 3 } },
  scale: { value: 2 },
  volumes: { value: ["data:/data"], project: (d) => (d.volumes = { data: {} }) },
  working_dir: { value: "/srv" },
  user: { value: "1000:1000" },
  hostname: { value: "box" },
  container_name: { value: "the-box" },
  labels: { value: { team: "a" } },
  extra_hosts: { value: ["db.local:10.0.0.9"] },
  stop_signal: { value: "SIGQUIT" },
  stop_grace_period: { value: "30s" },
  init: { value: true },
  read_only: { value: true },
  tmpfs: { value: ["/run"] },
  cap_add: { value: ["NET_ADMIN"] },
  cap_drop: { value: ["ALL"] },
  ulimits: { value: { nofile: 1024 } },
  profiles: { value: ["extra"] },
  tty: { value: true },
  stdin_open: { value: true },
  extends: { value: { service: "base" }, project: (d) => (d.services.base = { image: "busybox:1.36", working_dir: "/base" }) },
  links: { value: ["other"] },
  security_opt: { value: ["no-new-privileges:true"] },
  secrets: { value: ["token"], project: (d) => (d.secrets = { token: { file: "./token.txt" } }) },
  configs: { value: ["conf"], project: (d) => (d.configs = { conf: { content: "x = 1\n" } }) },
  dns: { value: ["10.0.0.2"] },
  dns_search: { value: ["corp"] },
  dns_opt: { value: ["ndots:2"] },
  sysctls: { value: { "net.core.somaxconn": "1024" } },
  shm_size: { value: "64m" },
  mem_limit: { value: "512m" },
  mem_reservation: { value: "128m" },
  cpus: { value: "0.5" },
  pids_limit: { value: 100 },
  privileged: { value: true },
  devices: { value: ["/dev/fuse:/dev/fuse"] },
  pid: { value: "host" },
  ipc: { value: "host" },
  platform: { value: "linux/arm64" },
  pull_policy: { value: "always" },
  post_start: { value: [{ command: ["/warm"] }] },
  pre_stop: { value: [{ command: ["/drain"] }] },
  volumes_from: { value: ["other"] },
  group_add: { value: ["2000"] },
  domainname: { value: "corp.example" },
  mac_address: { value: "02:42:ac:11:00:02" },
  annotations: { value: { "example.com/a": "b" } },
  label_file: { value: "./labels.env" },
  develop: { value: { watch: [{ path: "./src", action: "sync", target: "/src" }] } },
  attach: { value: false },
  build: { value: "./app" },
  blkio_config: { value: { weight: 300 } },
  cgroup: { value: "host" },
  cgroup_parent: { value: "/custom" },
  cpu_count: { value: 2 },
  cpu_percent: { value: 50 },
  cpu_shares: { value: 512 },
  cpu_quota: { value: 50000 },
  cpu_period: { value: 100000 },
  cpu_rt_period: { value: 1000 },
  cpu_rt_runtime: { value: 950 },
  cpuset: { value: "0-1" },
  credential_spec: { value: { file: "spec.json" } },
  device_cgroup_rules: { value: ["c 1:3 mr"] },
  provider: { value: { type: "model", options: {} } },
  external_links: { value: ["redis_1"] },
  gpus: { value: "all" },
  isolation: { value: "default" },
  logging: { value: { driver: "json-file" } },
  mem_swappiness: { value: 10 },
  memswap_limit: { value: "1g" },
  models: { value: ["llm"] },
  oom_kill_disable: { value: true },
  oom_score_adj: { value: 100 },
  pull_refresh_after: { value: "1h" },
  runtime: { value: "runc" },
  storage_opt: { value: { size: "1G" } },
  use_api_socket: { value: true },
  uts: { value: "host" },
  userns_mode: { value: "host" },
};

const DEPLOY_SAMPLES: Record<string, unknown> = {
  replicas: 3,
  resources: { limits: { memory: "256m" } },
  mode: "global",
  endpoint_mode: "dnsrr",
  labels: { a: "b" },
  rollback_config: { parallelism: 1 },
  update_config: { parallelism: 2 },
  restart_policy: { condition: "on-failure" },
  placement: { constraints: ["node.role==manager"] },
};

const NETWORK_SAMPLES: Record<string, unknown> = {
  name: "custom-net",
  driver: "none",
  ipam: { config: [{ subnet: "10.9.0.0/24" }] },
  external: true,
  internal: true,
  labels: { a: "b" },
  driver_opts: { mtu: "1400" },
  enable_ipv4: true,
  enable_ipv6: true,
  attachable: true,
};

const VOLUME_SAMPLES: Record<string, unknown> = {
  name: "custom-vol",
  driver: "nfs",
  external: true,
  labels: { a: "b" },
  driver_opts: { type: "nfs" },
};

let dir: string;

async function exportDoc(doc: Doc): Promise<{ yaml: string; keys: string[] }> {
  const file = join(dir, `compose-${crypto.randomUUID()}.yaml`);
  writeFileSync(file, stringify(doc));
  const loaded = await loadProject({ files: [file], env: { HOME: dir }, profiles: ["extra"] });
  const result = exportProject(loaded.project, await gatherInputs(loaded, { data: join(dir, "data"), runtime: join(dir, "run"), config: join(dir, "config") }, {}));
  return { yaml: toYamlDocuments(result.objects), keys: result.findings.map((f) => `${f.subject} ${f.key}`) };
}

function base(): Doc {
  return { name: "keys", services: { svc: { image: "busybox:1.36" }, other: { image: "busybox:1.36" } } };
}

async function covered(doc: Doc, subject: string, key: string): Promise<void> {
  const baseline = await exportDoc(base());
  const withKey = await exportDoc(doc);
  const named = withKey.keys.some((k) => k === `${subject} ${key}` || k.startsWith(`${subject} ${key}.`) || k.startsWith(`${subject} ${key}[`));
  const changed = withKey.yaml !== baseline.yaml;
  // a message that says which: easier to read than two booleans
  expect({ key, mapped: changed || named }).toEqual({ key, mapped: true });
}

describe("every compose key kitten loads is exported or named in the table", () => {
  test("setup", () => {
    dir = mkdtempSync(join(tmpdir(), "kitten-kube-keys-"));
    writeFileSync(join(dir, "app.env"), "FROM_FILE=1\n");
    writeFileSync(join(dir, "labels.env"), "team=b\n");
    writeFileSync(join(dir, "token.txt"), "t0ken\n");
  });

  test("every spec key has a sample here", () => {
    expect([...SERVICE_SPEC_KEYS].filter((k) => !(k in SERVICE_SAMPLES))).toEqual([]);
    expect([...DEPLOY_SPEC_KEYS].filter((k) => !(k in DEPLOY_SAMPLES))).toEqual([]);
    expect([...NETWORK_SPEC_KEYS].filter((k) => !(k in NETWORK_SAMPLES))).toEqual([]);
    expect([...VOLUME_SPEC_KEYS].filter((k) => !(k in VOLUME_SAMPLES))).toEqual([]);
  });

  for (const key of [...SERVICE_SPEC_KEYS].sort()) {
    test(`service key ${key}`, async () => {
      const sample = SERVICE_SAMPLES[key]!;
      const doc = base();
      doc.services.svc[key] = sample.value;
      sample.project?.(doc);
      await covered(doc, "service svc", key);
    });
  }
  for (const key of [...DEPLOY_SPEC_KEYS].sort()) {
    test(`deploy key ${key}`, async () => {
      const doc = base();
      doc.services.svc.deploy = { [key]: DEPLOY_SAMPLES[key] };
      await covered(doc, "service svc", `deploy.${key}`);
    });
  }
  for (const key of [...NETWORK_SPEC_KEYS].sort()) {
    test(`network key ${key}`, async () => {
      const doc = base();
      doc.services.svc.networks = ["net"];
      doc.networks = { net: { [key]: NETWORK_SAMPLES[key] } };
      await covered(doc, "network net", key);
    });
  }
  for (const key of [...VOLUME_SPEC_KEYS].sort()) {
    test(`volume key ${key}`, async () => {
      const doc = base();
      doc.services.svc.volumes = ["vol:/data"];
      doc.volumes = { vol: { [key]: VOLUME_SAMPLES[key] } };
      await covered(doc, "volume vol", key);
    });
  }

  test("cleanup", () => rmSync(dir, { recursive: true, force: true }));
});
