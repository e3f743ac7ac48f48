/**
 * The plain-English commands wired to the orchestration engine (composition root): a confirmed
 * draft is deployed with `up`, actions on a running project go to the same entry points as
 * `kitten restart` / `down` / `scale` / `logs` / `ps`, and diagnose reads the supervisor's state.
 */
import { resolve } from "node:path";
import type { Reporter } from "../core/reporter.ts";
import { InvalidInputError, RuntimeFailure, isKittenError } from "../core/errors.ts";
import type { LoadedProject } from "../engine/compose/index.ts";
import type { Project } from "../engine/compose/model.ts";
import { down, logs, ps, serviceCommand, up } from "../engine/orchestrate/project-api.ts";
import type { Deployer } from "../ai/ask.ts";
import { startErrorFinding } from "../ai/diagnose/analyzers.ts";
import { diagnose } from "../ai/diagnose/index.ts";
import { stateEvidenceSource } from "../ai/diagnose/state-source.ts";
import type { EvidenceSource } from "../ai/diagnose/evidence.ts";
import type { Intent, ProjectOperations } from "../ai/intents.ts";
import { engineDeps } from "./project-context.ts";
import { colorWanted, logPrinter } from "./render/log-lines.ts";
import { renderPs } from "./render/project.ts";
import { renderDiagnosis } from "./commands/diagnose.ts";

/**
 * Starts the saved draft (`kitten up --wait` of `configFile`): the file as written is loaded back,
 * so what runs is exactly what was saved (build contexts and paths resolved beside it).
 */
export function upDeployer(configFile: string): Deployer {
  return {
    async deploy(draft, _workingDir, reporter) {
      const { loadProject } = await import("../engine/compose/index.ts");
      const loaded = await loadProject({ files: [resolve(configFile)], projectName: draft.name, reporter });
      const project = loaded.project;
      try {
        await up({ project, workingDir: loaded.workingDir, configFiles: loaded.files, wait: true, environment: loaded.environment }, engineDeps(reporter, loaded.workingDir));
      } catch (err) {
        throw withStartHint(err, project);
      }
      reporter.emit({ type: "info", message: `project "${project.name}" is up (kitten ps -p ${project.name}; kitten down -p ${project.name} stops it)` });
    },
  };
}

/** A start failure without a hint gets the analyzers' fix: a missing entrypoint, command or image. */
function withStartHint(err: unknown, project: Project): unknown {
  if (!isKittenError(err) || err.hint) return err;
  const container = /container "([^"]+)"/.exec(err.message)?.[1] ?? "";
  const service = Object.keys(project.services).find((s) => container.startsWith(`${project.name}-${s}-`) || container === project.services[s]?.container_name);
  const finding = service ? startErrorFinding(service, project.services[service]!, err.message) : undefined;
  if (!finding) return err;
  return new RuntimeFailure(err.message, { code: err.code, hint: `${finding.cause}: ${finding.fix}`, cause: err });
}

/** Carries out actions on the running project `loaded` describes. */
export function engineOperations(loaded: LoadedProject | undefined, reporter: Reporter, write: (s: string) => void = (s) => void process.stdout.write(s)): ProjectOperations {
  return {
    async run(intent: Intent) {
      if (!loaded) throw new InvalidInputError("which project? there is no compose file here", { hint: "name it with -f FILE, or run kitten ask in the project's directory" });
      const deps = engineDeps(reporter);
      const { project } = loaded;
      switch (intent.action) {
        case "scale":
          await up({ project, workingDir: loaded.workingDir, configFiles: loaded.files, services: [intent.service], scale: { [intent.service]: intent.replicas } }, deps);
          return;
        case "restart":
        case "stop":
        case "start":
          await serviceCommand(intent.action, { project: project.name, services: intent.services }, deps);
          return;
        case "down":
          await down({ project: project.name }, deps);
          return;
        case "logs":
          await logs({ project: project.name, services: intent.service ? [intent.service] : [], follow: intent.follow, tail: intent.follow ? 20 : 100 }, deps, logPrinter({ color: colorWanted(false), write }));
          return;
        case "status":
          write(renderPs(await ps({ project: project.name, all: true }, deps)));
          return;
        case "kube":
          await (await import("./ai-kube.ts")).kubeApplyDraft(loaded, intent, reporter);
          return;
        case "diagnose":
          write(renderDiagnosis(await diagnose({ services: intent.services, source: diagnoseSource(project.name, loaded, reporter), projectServices: Object.values(project.services) })));
          return;
      }
    },
  };
}

/** The evidence of a project's failing containers, from the supervisor's records, events and logs. */
export function diagnoseSource(projectName: string, loaded: LoadedProject | undefined, reporter: Reporter): EvidenceSource {
  return stateEvidenceSource(engineDeps(reporter), projectName, loaded?.project);
}
