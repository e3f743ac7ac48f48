/**
 * `kube play`'s conversion (pure): Kubernetes YAML someone else wrote → a kitten Project —
 * Services as DNS aliases, ConfigMaps/Secrets as env and files, claims as named volumes, probes
 * as healthchecks, init containers as one-shot services the pod waits for, hostPort published,
 * and every unsupported kind and field named.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { playObjects } from "../../../../src/engine/kube/play/convert.ts";
import { parseYamlDocuments } from "../../../../src/engine/kube/yaml.ts";
import { exportProject } from "../../../../src/engine/kube/export/index.ts";
import { ProjectSchema } from "../../../../src/engine/compose/model.ts";

const YAML = `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {MODE: prod, app.conf: "port = 80\\n"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
data: {password: ${Buffer.from("hunter2").toString("base64")}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop, tier: web}}
    spec:
      affinity: {}
      initContainers:
        - {name: migrate, image: "shop:1", command: [./migrate]}
      containers:
        - name: shop
          image: "shop:1"
          ports: [{containerPort: 8080, hostPort: 18080}, {containerPort: 9090, name: metrics}]
          env:
            - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
            - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
          envFrom: [{configMapRef: {name: settings}}]
          volumeMounts:
            - {name: conf, mountPath: /etc/shop/app.conf, subPath: app.conf}
            - {name: data, mountPath: /var/lib/shop}
            - {name: cache, mountPath: /cache}
          readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 5, failureThreshold: 4}
          resources: {limits: {cpu: 500m, memory: 256Mi}}
        - {name: sidecar, image: "envoy:1"}
      volumes:
        - {name: conf, configMap: {name: settings}}
        - {name: data, persistentVolumeClaim: {claimName: data}}
        - {name: cache, emptyDir: {medium: Memory}}
---
apiVersion: v1
kind: Service
metadata: {name: storefront}
spec: {selector: {app: shop}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
`;

describe("kube play of Kubernetes YAML", () => {
  const r = playObjects(parseYamlDocuments(YAML, "shop.yaml"), { defaultName: "shop", filesDir: (p) => `/data/kube-play/${p}` });
  const shop = r.project.services.shop!;

  test("a Deployment's first container is a service with its replicas; the others share its network", () => {
    expect(shop.deploy?.replicas).toBe(2);
    expect(r.project.services["shop-sidecar"]!.network_mode).toBe("service:shop");
  });
  test("env from ConfigMaps and Secrets is resolved; a fieldRef is named as dropped", () => {
    expect(shop.environment).toEqual({ MODE: "prod", "app.conf": "port = 80\n", PASSWORD: "hunter2" });
    expect(r.findings).toContainEqual({ subject: "Deployment shop container shop", key: "env.POD_IP", treatment: "dropped", detail: "only values, ConfigMap and Secret keys are supported (no fieldRef/resourceFieldRef)" });
  });
  test("hostPort is published, other ports exposed; the Service name is an alias reached on the target port", () => {
    expect(shop.ports).toEqual([{ mode: "ingress", target: 8080, published: "18080", protocol: "tcp" }]);
    expect(shop.expose).toEqual(["9090"]);
    expect(shop.networks).toEqual({ default: { aliases: ["storefront"] } });
    expect(r.findings.some((f) => f.subject === "Service storefront" && f.detail.includes("reached on 8080"))).toBe(true);
  });
  test("a ConfigMap file becomes a bind mount of a written file, the claim a named volume, a memory emptyDir a tmpfs", () => {
    expect(shop.volumes).toEqual([
      { type: "bind", source: "/data/kube-play/shop/configmap/settings/app.conf", target: "/etc/shop/app.conf", read_only: true, bind: { create_host_path: false } },
      { type: "volume", source: "data", target: "/var/lib/shop", volume: {} },
      { type: "tmpfs", target: "/cache" },
    ]);
    expect(r.files.map((f) => [f.path, new TextDecoder().decode(f.content)])).toContainEqual(["/data/kube-play/shop/configmap/settings/app.conf", "port = 80\n"]);
    expect(r.project.volumes.data).toEqual({ name: "shop_data" });
  });
  test("an httpGet readiness probe becomes a wget healthcheck (approximated)", () => {
    expect(shop.healthcheck).toEqual({ test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/healthz"], interval: "5s", timeout: "1s", retries: 4 });
  });
  test("an init container runs once, before the pod's containers", () => {
    expect(r.project.services["shop-init-migrate"]).toMatchObject({ image: "shop:1", entrypoint: ["./migrate"], restart: "no" });
    expect(shop.depends_on).toEqual({ "shop-init-migrate": { condition: "service_completed_successfully", required: true } });
  });
  test("unsupported kinds and fields are listed by name", () => {
    expect(r.findings).toContainEqual({ subject: "kind Ingress", key: "shop", treatment: "dropped", detail: "Ingress is not run locally" });
    expect(r.findings).toContainEqual({ subject: "Deployment shop", key: "spec.template.spec.affinity", treatment: "dropped", detail: "not supported by kube play" });
  });
  test("resources come back as compose's cpus and bytes", () => {
    expect(shop.deploy?.resources).toEqual({ limits: { cpus: "0.5", memory: "268435456" } });
  });
});

describe("kube play of kitten's own export", () => {
  test("depends_on conditions and restart policies come back exactly; the wait init containers are not run", () => {
    const project = ProjectSchema.parse({
      name: "rt",
      services: {
        app: { image: "app:1", restart: "on-failure:3", depends_on: { db: { condition: "service_healthy", required: true }, migrate: { condition: "service_completed_successfully", required: true } } },
        db: { image: "postgres:16", healthcheck: { test: ["CMD-SHELL", "pg_isready"], interval: "5s", retries: 3 }, expose: ["5432"] },
        migrate: { image: "app:1", command: ["migrate"], restart: "no" },
      },
    });
    const exported = exportProject(project);
    const back = playObjects(exported.objects, { defaultName: "x", filesDir: () => "/tmp/none" }).project;
    expect(back.name).toBe("rt");
    expect(Object.keys(back.services).sort()).toEqual(["app", "db", "migrate"]);
    expect(back.services.app!.depends_on).toEqual({ db: { condition: "service_healthy", required: true }, migrate: { condition: "service_completed_successfully", required: true } });
    expect(back.services.app!.restart).toBe("on-failure:3");
    expect(back.services.migrate!.restart).toBe("no");
    expect(back.services.db!.healthcheck).toEqual({ test: ["CMD-SHELL", "pg_isready"], interval: "5s", timeout: "30s", retries: 3 });
  });
});

describe("kube play of every golden export", () => {
  const golden = resolve(import.meta.dir, "../../../fixtures/kube/golden");
  for (const file of readdirSync(golden).filter((f: string) => f.endsWith(".yaml"))) {
    test(`${file}: a valid project with a service per workload container`, () => {
      const objects = parseYamlDocuments(readFileSync(join(golden, file), "utf8"), file);
      const r = playObjects(objects, { defaultName: "x", filesDir: (p) => `/tmp/play/${p}` });
      const workloads = objects.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind)).map((o) => o.metadata.name);
      for (const w of workloads) expect(r.project.services[w]).toBeDefined();
      // only kinds kitten writes for the cluster alone are left out
      expect(new Set(r.findings.filter((f) => f.subject.startsWith("kind ")).map((f) => f.subject))).toEqual(
        new Set(objects.filter((o) => ["NetworkPolicy", "ServiceAccount", "Role", "RoleBinding"].includes(o.kind)).map((o) => `kind ${o.kind}`)),
      );
      for (const s of Object.values(r.project.services)) for (const dep of Object.keys(s.depends_on ?? {})) expect(r.project.services[dep]).toBeDefined();
    });
  }
});

describe("kube play of bare Pods and Jobs", () => {
  test("a Pod's restartPolicy and a Job's backoffLimit become compose restart policies", () => {
    const r = playObjects(
      parseYamlDocuments(
        `apiVersion: v1\nkind: Pod\nmetadata: {name: once}\nspec: {restartPolicy: OnFailure, containers: [{name: c, image: busybox}]}\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: batch}\nspec: {backoffLimit: 4, template: {spec: {restartPolicy: OnFailure, containers: [{name: c, image: busybox}]}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: never}\nspec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}\n`,
        "pods.yaml",
      ),
      { defaultName: "pods", filesDir: () => "/tmp/x" },
    );
    expect(r.project.name).toBe("pods");
    expect([r.project.services.once!.restart, r.project.services.batch!.restart, r.project.services.never!.restart]).toEqual(["on-failure", "on-failure:4", "no"]);
  });
});
