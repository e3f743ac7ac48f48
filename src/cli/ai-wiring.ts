/**
 * The plain-English commands wired to the orchestration engine (composition root): a confirmed
 * draft is deployed, actions on a running project are carried out, diagnose reads the state.
 * TODO(#6): until orchestration (`up`, `down`, service commands, `ps`, `logs`, the supervisor's
 * state) is on main, each of these fails with a clear "not available yet"; the wired version
 * replaces only this file.
 */
import type { Reporter } from "../core/reporter.ts";
import type { LoadedProject } from "../engine/compose/index.ts";
import { deployNotAvailable, type Deployer } from "../ai/ask.ts";
import { evidenceNotAvailable, type EvidenceSource } from "../ai/diagnose/evidence.ts";
import { operationsNotAvailable, type ProjectOperations } from "../ai/intents.ts";

/** Starts the saved draft (`kitten up --wait` of `configFile`). */
export function upDeployer(configFile: string): Deployer {
  return deployNotAvailable(configFile);
}

/** Carries out actions on the running project `loaded` describes. */
export function engineOperations(_loaded: LoadedProject | undefined, _reporter: Reporter): ProjectOperations {
  return operationsNotAvailable;
}

/** The evidence of a project's failing containers. */
export function diagnoseSource(_projectName: string, _loaded: LoadedProject | undefined, _reporter: Reporter): EvidenceSource {
  return evidenceNotAvailable;
}
