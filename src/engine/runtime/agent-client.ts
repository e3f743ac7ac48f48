/**
 * Host side of the agent protocol: one typed call per operation over the agent's unix socket.
 * Limits (issue #14): a request or an answer larger than AGENT_MAX_BODY_BYTES is refused with an
 * error naming the operation (the agent refuses larger bodies too), and an agent that does not
 * answer within the call's deadline is reported as such, not as a generic fetch failure.
 * The agent is a helper that may have died (issue #13): a request that could not reach it starts
 * it again through `revive` and is sent once more.
 */
import { InvalidInputError, RuntimeFailure, errorText } from "../../core/errors.ts";
// types only: the agent validates every request with the protocol's zod schemas; the host
// trusts its own agent's answers and keeps zod's import cost out of `kitten run`
import type { AgentOp, AgentRequest, AgentResponse } from "./agent-protocol.ts";

/** the largest request or answer body either side accepts (Bun.serve's maxRequestBodySize in the agent) */
export const AGENT_MAX_BODY_BYTES = 64 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 120_000;

export interface AgentClient {
  call<Op extends AgentOp>(op: Op, request: AgentRequest<Op>, timeoutMs?: number): Promise<AgentResponse<Op>>;
}

const MB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** The request never reached an agent (no socket, nobody listening): safe to send again. */
function neverReached(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "ENOENT" || code === "ECONNREFUSED" || code === "FailedToOpenSocket" || code === "ConnectionRefused";
}

/**
 * `revive`: called when the agent cannot be reached (it is a helper that may have died), to
 * start it again; the request is then sent once more. Never for a request that reached an agent
 * which died while handling it: that one may have half happened, and fails.
 */
export function agentClient(socket: string, project: string, revive?: () => Promise<void>): AgentClient {
  return {
    async call(op, request, timeoutMs) {
      // an operation with its own deadline (exec, spawn) gets that long and a margin
      const inner = (request as { timeoutMs?: unknown }).timeoutMs;
      const deadline = timeoutMs ?? (typeof inner === "number" ? Math.max(DEFAULT_TIMEOUT_MS, inner + 30_000) : DEFAULT_TIMEOUT_MS);
      const body = JSON.stringify(request);
      const size = Buffer.byteLength(body);
      if (size > AGENT_MAX_BODY_BYTES) {
        throw new InvalidInputError(`namespace "${project}": the agent's ${op} request is ${MB(size)}, more than the ${MB(AGENT_MAX_BODY_BYTES)} it accepts`, {
          code: "request_too_large",
          hint: "something passed to the container is far too large (an input, an environment): make it smaller",
        });
      }
      let res: Response;
      try {
        const send = () =>
          fetch(`http://agent/v1/${op}`, {
            unix: socket,
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(deadline),
          });
        try {
          res = await send();
        } catch (err) {
          if (!revive || !neverReached(err)) throw err;
          await revive();
          res = await send();
        }
      } catch (err) {
        if (err instanceof RuntimeFailure) throw err;
        if (err instanceof DOMException && err.name === "TimeoutError") {
          throw new RuntimeFailure(`namespace "${project}": the agent did not answer ${op} within ${+(deadline / 1000).toFixed(1)} s`, {
            code: "agent_timeout",
            hint: `the agent may be hung; its log is agent.log in the project's runtime dir; \`kitten __ns-down ${project}\` resets the namespace`,
          });
        }
        throw new RuntimeFailure(`namespace "${project}": agent unreachable: ${errorText(err)}`, {
          code: "agent_unreachable",
          hint: `the namespace may have died; \`kitten __ns-down ${project}\` resets it`,
        });
      }
      const length = Number(res.headers.get("content-length") ?? "0");
      if (length > AGENT_MAX_BODY_BYTES) {
        await res.body?.cancel();
        throw new RuntimeFailure(`namespace "${project}": the agent's answer to ${op} is ${MB(length)}, more than ${MB(AGENT_MAX_BODY_BYTES)}`, { code: "agent_protocol" });
      }
      if (res.status === 413) {
        await res.body?.cancel();
        throw new InvalidInputError(`namespace "${project}": the agent refused the ${op} request as too large`, { code: "request_too_large" });
      }
      const answer: unknown = await res.json().catch(() => ({ error: `bad response (http ${res.status})` }));
      if (!res.ok) {
        const { error, hint } = answer as { error?: unknown; hint?: unknown };
        const message = typeof error === "string" ? error : `agent ${op} failed (http ${res.status})`;
        const options = typeof hint === "string" ? { hint } : {};
        // 400: the agent refused the request's input (a bad subpath), not a runtime failure
        throw res.status === 400 ? new InvalidInputError(message, options) : new RuntimeFailure(message, options);
      }
      if (typeof answer !== "object" || answer === null) throw new RuntimeFailure(`agent ${op}: bad response`);
      return answer as AgentResponse<typeof op>;
    },
  };
}
