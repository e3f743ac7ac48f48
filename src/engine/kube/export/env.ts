/**
 * A service's environment: values from `env_file`s go to one ConfigMap per file, injected with
 * envFrom (the file stays one unit, as kompose does); values whose name says they are secret
 * (PASSWORD, TOKEN, SECRET, ...) go to a Secret and are referenced with secretKeyRef, so
 * credentials are not written into a Deployment; the rest are plain `env` entries. Values are
 * the ones compose resolved (interpolation, `environment` over `env_file`), so the container sees
 * exactly what `kitten up` gives it.
 */
import { basename } from "node:path";
import type { Service } from "../../compose/model.ts";
import type { EnvFromSource, EnvVar } from "kubernetes-types/core/v1";
import { dnsLabel, isPortableEnvName } from "../names.ts";
import type { Findings } from "../findings.ts";
import type { Emitter } from "./emitter.ts";
import type { EnvFileKeys } from "./types.ts";

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH_KEY|ACCESS_KEY)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function containerEnv(name: string, s: Service, envFiles: EnvFileKeys[], emit: Emitter, findings: Findings): { env: EnvVar[]; envFrom: EnvFromSource[] } {
  const env: EnvVar[] = [];
  const envFrom: EnvFromSource[] = [];
  const values = Object.entries(s.environment).filter((e): e is [string, string] => e[1] !== null);
  const secret: Record<string, string> = {};
  const fromFiles = new Set<string>();
  for (const file of envFiles) {
    const data: Record<string, string> = {};
    for (const key of file.keys) {
      const value = s.environment[key];
      if (value === null || value === undefined || isSecretName(key) || !isPortableEnvName(key) || fromFiles.has(key)) continue;
      data[key] = value;
      fromFiles.add(key);
    }
    if (Object.keys(data).length === 0) continue;
    const cm = emit.object({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: dnsLabel(name, "env", basename(file.path)) }, data }, name);
    envFrom.push({ configMapRef: { name: cm } });
  }
  const secretName = dnsLabel(name, "env");
  for (const [key, value] of values.sort(([a], [b]) => a.localeCompare(b))) {
    if (fromFiles.has(key)) continue;
    if (isSecretName(key)) {
      secret[key] = value;
      env.push({ name: key, valueFrom: { secretKeyRef: { name: secretName, key: dataKeyFor(key) } } });
    } else {
      env.push({ name: key, value });
    }
    if (!isPortableEnvName(key)) findings.approximated(`service ${name}`, "environment", `${key}: API servers before 1.24 refuse variable names that are not C identifiers`);
  }
  if (Object.keys(secret).length > 0) {
    const data = Object.fromEntries(Object.entries(secret).map(([k, v]) => [dataKeyFor(k), Buffer.from(v).toString("base64")]));
    emit.object({ apiVersion: "v1", kind: "Secret", metadata: { name: secretName }, type: "Opaque", data }, name);
  }
  return { env, envFrom };
}

/** Secret data keys allow [-._a-zA-Z0-9]: env names usually qualify already. */
function dataKeyFor(key: string): string {
  return key.replace(/[^-._a-zA-Z0-9]/g, "_");
}
