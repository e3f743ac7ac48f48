/**
 * Secrets never leave the machine and never reach the output: values of env vars whose names
 * look secret are replaced by "****" in the config, and so is every occurrence of those values
 * elsewhere (log lines, other env values such as DATABASE_URL, commands, health output).
 * Passwords inside URLs (scheme://user:password@host) are masked whatever their variable.
 */
import type { Service } from "../../engine/compose/model.ts";
import { MASK, isSecretName, looksLikeToken, maskSecrets, secretForms } from "../../core/secret-mask.ts";
import type { BuildEvidence, ContainerEvidence } from "./evidence.ts";

export { MASK, isSecretName } from "../../core/secret-mask.ts";

/** The secret values of the services' environments and build args (short values are left out: masking "a" everywhere helps no one). */
export function secretValues(services: Service[]): string[] {
  const values: string[] = [];
  for (const svc of services) {
    for (const [name, value] of Object.entries(svc.environment)) if (value && isSecretName(name)) values.push(value);
    for (const [name, value] of Object.entries(svc.build?.args ?? {})) if (value && (isSecretName(name) || looksLikeToken(value))) values.push(value);
  }
  return secretForms(values);
}

export function maskText(text: string, secrets: string[]): string {
  return maskSecrets(text, secrets);
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

/** A build's record masked again with the project's secrets (the builder masked its own build secrets and args). */
export function maskBuildEvidence(b: BuildEvidence, extraSecrets: string[] = []): BuildEvidence {
  const secrets = secretForms(extraSecrets);
  const m = (t: string) => maskSecrets(t, secrets);
  return {
    ...b,
    error: m(b.error),
    ...(b.hint !== undefined ? { hint: m(b.hint) } : {}),
    ...(b.step
      ? {
          step: {
            ...b.step,
            name: m(b.step.name),
            ...(b.step.original !== undefined ? { original: m(b.step.original) } : {}),
            ...(b.step.command !== undefined ? { command: m(b.step.command) } : {}),
            output: b.step.output.map(m),
          },
        }
      : {}),
  };
}
