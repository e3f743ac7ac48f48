/** Shared helpers for the loader's unit tests: load YAML text, capture the error it raises. */
import { InvalidInputError, type KittenError } from "../../../../src/core/errors.ts";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import { parseProjectText } from "../../../../src/engine/compose/index.ts";
import type { Project, Service } from "../../../../src/engine/compose/model.ts";

export const PROJECT_DIR = "/srv/proj";

export function load(text: string, options: { env?: Record<string, string>; profiles?: string[]; reporter?: MemoryReporter } = {}): Project {
  return parseProjectText(text, "compose.yaml", { projectName: "p", projectDirectory: PROJECT_DIR, env: { HOME: "/home/k", ...options.env }, profiles: options.profiles, reporter: options.reporter }).project;
}

/** One service `web` with the given YAML lines under it. */
export function service(lines: string, options: Parameters<typeof load>[1] = {}): Service {
  const body = lines.split("\n").map((l) => `    ${l}`).join("\n");
  return load(`services:\n  web:\n    image: nginx\n${body}\n`, options).services.web!;
}

export function loadError(text: string, options: Parameters<typeof load>[1] = {}): KittenError {
  try {
    load(text, options);
  } catch (err) {
    if (err instanceof InvalidInputError) return err;
    throw err;
  }
  throw new Error("expected the load to fail");
}

export function serviceError(lines: string): KittenError {
  const body = lines.split("\n").map((l) => `    ${l}`).join("\n");
  return loadError(`services:\n  web:\n    image: nginx\n${body}\n`);
}
