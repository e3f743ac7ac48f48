/**
 * Secrets never leave the machine and never reach the output: values of env vars whose names
 * look secret are replaced by "****" in the config, and so is every occurrence of those values
 * elsewhere (log lines, other env values such as DATABASE_URL, commands, health output).
 * Passwords inside URLs (scheme://user:password@host) are masked whatever their variable.
 */
import type { Service } from "../../engine/compose/model.ts";
import type { ContainerEvidence } from "./evidence.ts";

export const MASK = "****";

const SECRET_NAME = /(PASSWORD|PASSWD|PASS$|_PASS_|SECRET|TOKEN|KEY|CREDENTIAL|PASSPHRASE|PRIVATE|AUTH|SALT|COOKIE|SESSION)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The secret values of a service's environment (short values are left out: masking "a" everywhere helps no one). */
export function secretValues(services: Service[]): string[] {
  const values = new Set<string>();
  for (const svc of services) {
    for (const [name, value] of Object.entries(svc.environment)) {
      if (value && value.length >= 3 && isSecretName(name)) values.add(value);
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

export function maskText(text: string, secrets: string[]): string {
  let out = text.replace(/(\w+:\/\/[^:/@\s]*:)([^@\s]+)(@)/g, `$1${MASK}$3`);
  for (const s of secrets) out = out.split(s).join(MASK);
  return out;
}

function maskService(svc: Service, secrets: string[]): Service {
  const environment = Object.fromEntries(
    Object.entries(svc.environment).map(([k, v]) => [k, v === null ? null : isSecretName(k) ? MASK : maskText(v, secrets)]),
  );
  const mask = (list: string[] | null | undefined) => (list ? list.map((a) => maskText(a, secrets)) : list);
  return {
    ...svc,
    environment,
    command: mask(svc.command),
    entrypoint: mask(svc.entrypoint),
    ...(svc.healthcheck ? { healthcheck: { ...svc.healthcheck, test: mask(svc.healthcheck.test) ?? undefined } } : {}),
  };
}

/** Evidence with every secret masked; `extraSecrets` are values of other services (dependencies' passwords in URLs). */
export function maskEvidence(evidence: ContainerEvidence, extraSecrets: string[] = []): ContainerEvidence {
  const secrets = [...new Set([...secretValues([evidence.config]), ...extraSecrets])].sort((a, b) => b.length - a.length);
  const m = (t: string) => maskText(t, secrets);
  return {
    ...evidence,
    config: maskService(evidence.config, secrets),
    logs: evidence.logs.map(m),
    ...(evidence.startError !== undefined ? { startError: m(evidence.startError) } : {}),
    ...(evidence.health ? { health: { ...evidence.health, ...(evidence.health.lastOutput !== undefined ? { lastOutput: m(evidence.health.lastOutput) } : {}) } } : {}),
  };
}
