/**
 * Drafting through any OpenAI-compatible endpoint (OpenAI, Ollama, llama.cpp, vLLM) with one
 * chat completion whose output is constrained to the draft's JSON schema. No tool calling: local
 * models and servers handle it badly (kubectl-ai #421, #422, #504), structured output they do.
 *
 * Servers without structured outputs answer 400 to `json_schema`; then the request falls back to
 * JSON mode (`json_object`) with the schema in the system prompt. Whatever comes back is
 * validated; the problems go back to the model for a bounded number of repairs.
 */
import OpenAI from "openai";
import { RuntimeFailure, errorText } from "../../core/errors.ts";
import type { Reporter } from "../../core/reporter.ts";
import type { Project } from "../../engine/compose/model.ts";
import { draftProblems, draftWarnings, type Draft } from "../draft.ts";
import { draftMessages, repairMessage, type ChatMessage } from "./prompt.ts";
import { LlmDraftSchema, llmJsonSchema, toProject } from "./schema.ts";

export interface LlmSettings {
  apiKey: string;
  /** default: the SDK's (api.openai.com) */
  baseURL?: string;
  model: string;
  timeoutMs: number;
  /** validation repairs after the first answer */
  maxRepairs: number;
}

export const DEFAULT_MODEL = "gpt-4o-mini";

/** Settings from the environment, or undefined when no key is configured (→ offline drafter). */
export function llmSettingsFromEnv(env: Record<string, string | undefined>, model?: string): LlmSettings | undefined {
  const apiKey = env.OPENAI_API_KEY;
  if (!apiKey) return undefined;
  const seconds = Number(env.KITTEN_LLM_TIMEOUT ?? "60");
  return {
    apiKey,
    baseURL: env.OPENAI_BASE_URL || undefined,
    model: model ?? env.KITTEN_MODEL ?? DEFAULT_MODEL,
    timeoutMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000,
    maxRepairs: 2,
  };
}

export type Mode = "json_schema" | "json_object" | "text";

export function responseFormat(mode: Exclude<Mode, "text">) {
  return mode === "json_schema"
    ? ({ type: "json_schema", json_schema: { name: "kitten_draft", strict: true, schema: llmJsonSchema() } } as const)
    : ({ type: "json_object" } as const);
}

/** One chat completion's text, with transport failures turned into kitten errors. */
export interface ChatClient {
  complete(messages: ChatMessage[], mode: Mode): Promise<string>;
}

class NoStructuredOutputs extends Error {}

export function openAiChat(settings: LlmSettings): ChatClient {
  const client = new OpenAI({ apiKey: settings.apiKey, baseURL: settings.baseURL, timeout: settings.timeoutMs, maxRetries: 0 });
  const where = settings.baseURL ?? "api.openai.com";
  return {
    async complete(messages, mode) {
      let completion;
      try {
        // no temperature: reasoning models refuse any but the default, and the schema already bounds the answer
        completion = await client.chat.completions.create({ model: settings.model, messages, ...(mode === "text" ? {} : { response_format: responseFormat(mode) }) });
      } catch (err) {
        if (err instanceof OpenAI.APIConnectionTimeoutError) {
          throw new RuntimeFailure(`the language model at ${where} did not answer within ${settings.timeoutMs / 1000}s`, {
            code: "llm_timeout",
            hint: "use --offline to draft without it, or allow more time with KITTEN_LLM_TIMEOUT=<seconds>",
            cause: err,
          });
        }
        if (err instanceof OpenAI.APIConnectionError) {
          throw new RuntimeFailure(`cannot reach the language model at ${where}: ${errorText(err.cause ?? err)}`, { code: "llm_unreachable", hint: "check OPENAI_BASE_URL, or use --offline", cause: err });
        }
        if (err instanceof OpenAI.APIError && err.status === 400 && mode === "json_schema") throw new NoStructuredOutputs(err.message);
        if (err instanceof OpenAI.APIError && (err.status === 401 || err.status === 403)) {
          throw new RuntimeFailure(`the language model at ${where} refused the API key (${err.status})`, { code: "llm_auth", hint: "check OPENAI_API_KEY, or use --offline", cause: err });
        }
        if (err instanceof OpenAI.APIError && err.status === 404) {
          throw new RuntimeFailure(`the language model at ${where} has no model "${settings.model}"`, { code: "llm_model", hint: "name another with --model or KITTEN_MODEL", cause: err });
        }
        if (err instanceof OpenAI.APIError) {
          throw new RuntimeFailure(`the language model at ${where} failed (${err.status ?? "no status"}): ${err.message}`, { code: "llm_error", hint: "try again, or use --offline", cause: err });
        }
        throw err;
      }
      const message = completion.choices[0]?.message;
      if (message?.refusal) {
        throw new RuntimeFailure(`the language model refused the request: ${message.refusal}`, { code: "llm_refusal", hint: "rephrase the request, or use --offline" });
      }
      return message?.content ?? "";
    },
  };
}

export interface LlmDraftOptions {
  projectName: string;
  existing?: Project;
  maxRepairs: number;
  reporter?: Reporter;
}

/** Problems of an answer, or the draft it makes. */
function readAnswer(text: string, projectName: string): { problems: string[]; draft?: Draft } {
  let json: unknown;
  try {
    json = JSON.parse(text.trim().replace(/^```(?:json)?\s*|\s*```$/g, ""));
  } catch (err) {
    return { problems: [`the answer is not JSON (${errorText(err)})`] };
  }
  const parsed = LlmDraftSchema.safeParse(json);
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => `${i.path.join(".") || "answer"}: ${i.message}`) };
  const { project, problems } = toProject(parsed.data, projectName);
  problems.push(...draftProblems(project));
  if (problems.length) return { problems };
  return { problems: [], draft: { project, summary: parsed.data.summary, warnings: draftWarnings(project), source: "llm" } };
}

export async function draftWithChat(chat: ChatClient, request: string, options: LlmDraftOptions): Promise<Draft> {
  const messages = draftMessages(request, options.existing);
  let mode: Exclude<Mode, "text"> = "json_schema";
  let problems: string[] = [];
  for (let attempt = 0; attempt <= options.maxRepairs; attempt++) {
    let text: string;
    try {
      text = await chat.complete(messages, mode);
    } catch (err) {
      if (!(err instanceof NoStructuredOutputs)) throw err;
      options.reporter?.emit({ type: "info", message: "the server has no structured outputs (json_schema): using JSON mode" });
      mode = "json_object";
      text = await chat.complete(messages, mode);
    }
    const answer = readAnswer(text, options.projectName);
    if (answer.draft) {
      if (attempt > 0) answer.draft.summary.push(`the model's draft was repaired ${attempt} time${attempt > 1 ? "s" : ""} after validation`);
      return answer.draft;
    }
    problems = answer.problems;
    options.reporter?.emit({ type: "info", message: `the draft is invalid (${problems.length} problem${problems.length > 1 ? "s" : ""}): asking for a repair` });
    messages.push({ role: "assistant", content: text }, repairMessage(problems));
  }
  throw new RuntimeFailure(`the language model's draft is still invalid after ${options.maxRepairs} repair${options.maxRepairs === 1 ? "" : "s"}: ${problems.slice(0, 5).join("; ")}`, {
    code: "llm_invalid",
    hint: "try a stronger model with --model, rephrase the request, or use --offline",
  });
}

export function draftWithLlm(settings: LlmSettings, request: string, options: Omit<LlmDraftOptions, "maxRepairs">): Promise<Draft> {
  return draftWithChat(openAiChat(settings), request, { ...options, maxRepairs: settings.maxRepairs });
}

/** What `--print-prompt` shows: exactly what would be sent. */
export function promptPreview(settings: Pick<LlmSettings, "model">, request: string, existing?: Project) {
  return { model: settings.model, messages: draftMessages(request, existing), response_format: responseFormat("json_schema"), fallback_response_format: responseFormat("json_object") };
}
