/**
 * Requests about a running project ("scale web to 3", "restart the db", "stop everything",
 * "show the api logs", "why did api crash?") as typed actions. They are shown and confirmed
 * before anything changes; `ProjectOperations` carries them out.
 */
import type { Project } from "../engine/compose/model.ts";
import { requireService, type ServiceRef } from "./resolve.ts";

export type Intent =
  | { action: "scale"; service: string; replicas: number }
  | { action: "restart" | "stop" | "start"; services: string[] }
  | { action: "down" }
  | { action: "logs"; service?: string; follow: boolean }
  | { action: "diagnose"; services: string[] }
  | { action: "status" }
  /** "run this on my cluster": export + server-side apply, shown as a draft first (issue #16) */
  | { action: "kube"; namespace?: string; context?: string };

const ALL = /^(?:everything|all|all services|all containers|the (?:whole )?(?:project|stack|app))$/;

/** "run this on my cluster", "deploy it to kubernetes", "move the stack to k8s in namespace shop" */
const KUBE = /^(?:run|deploy|put|ship|move|push|apply|install|launch)\s+(?:this|it|that|everything|the (?:whole )?(?:project|stack|app))?\s*(?:on|to|onto|in|into)\s+(?:my |our |the )?(?:kubernetes|k8s|kube|cluster)(?:\s+cluster)?\b/;

/** The services a phrase names ("the db", "api and web", "everything" → []). */
function serviceList(phrase: string): string[] {
  const p = phrase.trim().replace(/[?.!]+$/, "").toLowerCase();
  if (ALL.test(p) || p === "") return [];
  return p.split(/\s*(?:,|\band\b)\s*/).map((w) => w.replace(/^(?:the|my)\s+/, "").replace(/\s+(?:service|container)s?$/, "")).filter(Boolean);
}

/** The action a request asks for, or undefined when it is a drafting request. */
export function classifyIntent(request: string): Intent | undefined {
  const text = request.trim().toLowerCase().replace(/^(?:please|can you|could you|kitten)\s+/, "").replace(/[?.!]+$/, "");
  let m: RegExpExecArray | null;
  if ((m = /^scale\s+(?:the\s+)?(\S+)\s+(?:up\s+|down\s+)?(?:to|=)\s*(\d+)(?:\s+\w+)?$/.exec(text))) return { action: "scale", service: m[1]!, replicas: Number(m[2]) };
  if ((m = /^(restart|reboot|bounce)\s+(.*)$/.exec(text))) return { action: "restart", services: serviceList(m[2]!) };
  if ((m = /^(?:stop|shut down|shutdown|halt|pause)\s+(.*)$/.exec(text))) return { action: "stop", services: serviceList(m[1]!) };
  if ((m = /^(?:tear down|take down|bring down|remove everything|delete everything)(?:\s+(.*))?$/.exec(text))) return { action: "down" };
  if ((m = /^(?:start|resume)\s+(.*)$/.exec(text)) && !/\bwith\b|\bon port\b/.test(m[1]!)) return { action: "start", services: serviceList(m[1]!) };
  if ((m = /^(?:show|print|tail|follow|get|display)(?:\s+me)?\s+(?:the\s+)?(?:logs?\s+(?:of|for|from)\s+(?:the\s+)?(\S+)|(\S+)(?:'s)?\s+logs?|logs?)$/.exec(text))) {
    const who = m[1] ?? m[2];
    return { action: "logs", service: who && !ALL.test(who) ? who : undefined, follow: /^(?:tail|follow)/.test(text) };
  }
  if ((m = /^(?:why\s+(?:did|does|is|has)\s+(?:the\s+)?(\S+)(?:\s+(?:service|container))?\s+(?:crash|fail|die|stop|exit|restart|keep restarting|crashing|failing|down|dead|broken)\w*(?:\s.*)?|what(?:'s| is)\s+wrong\s+with\s+(?:the\s+)?(\S+)|diagnose\s+(?:the\s+)?(\S+))$/.exec(text))) {
    return { action: "diagnose", services: serviceList(m[1] ?? m[2] ?? m[3] ?? "") };
  }
  if (/^(?:what(?:'s| is) running|status|show status|list (?:services|containers)|ps|is (?:it|everything) (?:up|running))$/.test(text)) return { action: "status" };
  const kube = KUBE.exec(text);
  if (kube) {
    const ns = /\b(?:in|into|to) (?:the )?namespace ([a-z0-9][-a-z0-9]*)/.exec(text)?.[1];
    const ctx = /\b(?:context|cluster) ([a-z0-9][-a-z0-9_.@:/]*)$/.exec(text)?.[1];
    return { action: "kube", ...(ns ? { namespace: ns } : {}), ...(ctx && !/^(?:please|now)$/.test(ctx) ? { context: ctx } : {}) };
  }
  return undefined;
}

/** The intent with its service words resolved against a project's services (by name or role); an unknown one is an error. */
export function resolveIntent(intent: Intent, services: ServiceRef[]): Intent {
  const one = (w: string) => requireService(services, w);
  switch (intent.action) {
    case "scale":
      return { ...intent, service: one(intent.service) };
    case "restart":
    case "stop":
    case "start":
    case "diagnose":
      return { ...intent, services: intent.services.map(one) };
    case "logs":
      return intent.service ? { ...intent, service: one(intent.service) } : intent;
    default:
      return intent;
  }
}

/** One line saying what will happen, for the confirmation. */
export function describeIntent(intent: Intent): string {
  const who = (s: string[]) => (s.length ? s.join(", ") : "every service");
  switch (intent.action) {
    case "scale":
      return `scale ${intent.service} to ${intent.replicas} replica${intent.replicas === 1 ? "" : "s"}`;
    case "restart":
    case "stop":
    case "start":
      return `${intent.action} ${who(intent.services)}`;
    case "down":
      return "stop and remove every container of the project";
    case "logs":
      return `show the logs of ${intent.service ?? "every service"}${intent.follow ? " and follow them" : ""}`;
    case "diagnose":
      return `diagnose ${who(intent.services)}`;
    case "status":
      return "show the state of every service";
    case "kube":
      return `export the project to Kubernetes and server-side apply it to the cluster of ${intent.context ? `context ${intent.context}` : "your kubeconfig's current context"}${intent.namespace ? `, namespace ${intent.namespace}` : ""} (kitten kube apply)`;
  }
}

/** Whether carrying the intent out changes anything (then it needs a confirmation). */
export function changesState(intent: Intent): boolean {
  return ["scale", "restart", "stop", "start", "down", "kube"].includes(intent.action);
}

/** Carries intents out on a running project: the orchestration engine's entry points. */
export interface ProjectOperations {
  run(intent: Intent, project: Project | undefined): Promise<void>;
}
