/** Host side of the agent protocol: one typed call per operation over the agent's unix socket. */
import { InvalidInputError, RuntimeFailure, errorText } from "../../core/errors.ts";
// types only: the agent validates every request with the protocol's zod schemas; the host
// trusts its own agent's answers and keeps zod's import cost out of `kitten run`
import type { AgentOp, AgentRequest, AgentResponse } from "./agent-protocol.ts";

export interface AgentClient {
  call<Op extends AgentOp>(op: Op, request: AgentRequest<Op>, timeoutMs?: number): Promise<AgentResponse<Op>>;
}

export function agentClient(socket: string, project: string): AgentClient {
  return {
    async call(op, request, timeoutMs = 120_000) {
      let res: Response;
      try {
        res = await fetch(`http://agent/v1/${op}`, {
          unix: socket,
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(request),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new RuntimeFailure(`namespace "${project}": agent unreachable: ${errorText(err)}`, {
          hint: `the namespace may have died; \`kitten __ns-down ${project}\` resets it`,
        });
      }
      const body: unknown = await res.json().catch(() => ({ error: `bad response (http ${res.status})` }));
      if (!res.ok) {
        const { error, hint } = body as { error?: unknown; hint?: unknown };
        const message = typeof error === "string" ? error : `agent ${op} failed (http ${res.status})`;
        const options = typeof hint === "string" ? { hint } : {};
        // 400: the agent refused the request's input (a bad subpath), not a runtime failure
        throw res.status === 400 ? new InvalidInputError(message, options) : new RuntimeFailure(message, options);
      }
      if (typeof body !== "object" || body === null) throw new RuntimeFailure(`agent ${op}: bad response`);
      return body as AgentResponse<typeof op>;
    },
  };
}
