/** The messages sent to the language model: rules, the catalog's facts, the schema, the request. */
import type { Project } from "../../engine/compose/model.ts";
import { PASSWORD_PLACEHOLDER, catalogFacts } from "../catalog.ts";
import { fromProject, llmJsonSchema } from "./schema.ts";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export function systemPrompt(): string {
  return [
    "You draft container stacks for kitten, a rootless orchestrator that runs compose projects.",
    "Answer with one JSON object matching the JSON schema below, and nothing else.",
    "Rules:",
    "- Prefer the catalog's images, ports, env names, volumes and healthchecks for the images or roles the request names.",
    "- All services share one network and reach each other by service name.",
    "- Publish host ports only for what a person opens from outside (web servers, UIs), on ports >= 1024 unless the request names a port.",
    "- Two services never publish the same host port; a service with replicas > 1 publishes none: put an nginx load balancer in front of it.",
    `- Put credentials the request gives into the image's credential env vars; a password the request does not give is "${PASSWORD_PLACEHOLDER}", and the summary says so.`,
    "- A service that uses another depends on it, with condition service_healthy when that one has a healthcheck.",
    "- Add nothing the request does not ask for or the images do not need.",
    "Catalog:",
    catalogFacts(),
    "JSON schema:",
    JSON.stringify(llmJsonSchema()),
  ].join("\n");
}

export function draftMessages(request: string, existing?: Project): ChatMessage[] {
  const user = existing
    ? `The current project, in the same JSON shape:\n${JSON.stringify(fromProject(existing))}\nChange it as asked and answer with the whole project:\n${request}`
    : request;
  return [
    { role: "system", content: systemPrompt() },
    { role: "user", content: user },
  ];
}

export function repairMessage(problems: string[]): ChatMessage {
  return {
    role: "user",
    content: `That JSON is not a valid draft:\n${problems.map((p) => `- ${p}`).join("\n")}\nAnswer with the corrected JSON object only.`,
  };
}
