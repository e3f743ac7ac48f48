/** Host side of the agent protocol: one typed call per operation over the agent's unix socket. */
import { InvalidInputError, RuntimeFailure, errorText } from "../../core/errors.ts";
// types only: the agent validates every request with the protocol's zod schemas; the host
// trusts its own agent's answers and keeps zod's import cost out of `kitten run`
import type { AgentOp, AgentRequest, AgentResponse } from "./agent-protocol.ts";

export interface AgentClient {
  call<Op extends AgentOp>(op: Op, request: AgentRequest<Op>, timeoutMs?: number): Promise<AgentResponse<Op>>;
}

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
  const send = (op: string, body: string, timeoutMs: number) =>
    fetch(`http://agent/v1/${op}`, {
      unix: socket,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  return {
    async call(op, request, timeoutMs = 120_000) {
      let res: Response;
      const body = JSON.stringify(request);
      try {
        try {
          res = await send(op, body, timeoutMs);
        } catch (err) {
          if (!revive || !neverReached(err)) throw err;
          await revive();
          res = await send(op, body, timeoutMs);
        }
      } catch (err) {
        if (err instanceof RuntimeFailure) throw err;
        throw new RuntimeFailure(`namespace "${project}": agent unreachable: ${errorText(err)}`, {
          code: "agent_unreachable",
          hint: `the namespace may have died; \`kitten __ns-down ${project}\` resets it`,
        });
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
