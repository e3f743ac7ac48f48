/**
 * A minimal Kubernetes API client on Bun's own fetch and TLS (client certificates, a CA, bearer
 * tokens, basic auth): @kubernetes/client-node under Bun does not honour kubeconfig CAs and client
 * certificates (oven-sh/bun#7200, #19754; kubernetes-client/javascript#2627), and kitten needs
 * only a handful of calls — server-side apply, get, list by label, delete.
 */
import { RuntimeFailure, InvalidInputError, errorText } from "../../../core/errors.ts";
import type { KubeTarget } from "./kubeconfig.ts";

export interface KubeResponse {
  status: number;
  body: any;
}

/** The transport, an interface so unit tests can record calls without a server. */
export interface KubeHttp {
  request(method: string, path: string, o?: { query?: Record<string, string>; body?: string; contentType?: string }): Promise<KubeResponse>;
  readonly server: string;
}

export class KubeApiError extends RuntimeFailure {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | undefined,
    hint?: string,
  ) {
    super(message, { code: "kube_api", ...(hint ? { hint } : {}) });
  }
}

export function fetchClient(t: KubeTarget, fetchImpl: typeof fetch = fetch): KubeHttp {
  if (!/^https?:\/\//.test(t.server)) throw new InvalidInputError(`cluster server "${t.server}" is not an http(s) URL`, { code: "bad_kubeconfig" });
  const headers: Record<string, string> = { Accept: "application/json", "User-Agent": "kitten" };
  if (t.token) headers.Authorization = `Bearer ${t.token}`;
  else if (t.basic) headers.Authorization = `Basic ${Buffer.from(`${t.basic.username}:${t.basic.password}`).toString("base64")}`;
  const tls = {
    ...(t.ca ? { ca: t.ca } : {}),
    ...(t.cert ? { cert: t.cert } : {}),
    ...(t.key ? { key: t.key } : {}),
    ...(t.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}),
    ...(t.tlsServerName ? { serverName: t.tlsServerName } : {}),
  };
  return {
    server: t.server,
    async request(method, path, o = {}) {
      const url = new URL(`${t.server}${path}`);
      for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
      let res: Response;
      try {
        res = await fetchImpl(url, {
          method,
          headers: { ...headers, ...(o.contentType ? { "Content-Type": o.contentType } : {}) },
          ...(o.body !== undefined ? { body: o.body } : {}),
          tls,
          signal: AbortSignal.timeout(60_000),
        } as RequestInit);
      } catch (err) {
        throw new RuntimeFailure(`cannot reach the API server ${t.server}: ${errorText(err)}`, {
          code: "kube_unreachable",
          hint: `check the cluster of context "${t.context}" (${t.source})`,
        });
      }
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {}
      return { status: res.status, body };
    },
  };
}

/** The error of a failed call: the API's Status message, or the HTTP status. */
export function apiError(what: string, res: KubeResponse): KubeApiError {
  const status = res.body && typeof res.body === "object" ? (res.body as { message?: string; reason?: string }) : {};
  const message = status.message ?? (typeof res.body === "string" && res.body ? res.body.slice(0, 200) : `HTTP ${res.status}`);
  let hint: string | undefined;
  if (res.status === 401) hint = "the cluster did not accept the credentials of the kubeconfig's user";
  else if (res.status === 403) hint = "the kubeconfig's user may not do this in the namespace";
  else if (res.status === 409 && status.reason === "Conflict") hint = "another field manager owns these fields: take them over with --force-conflicts";
  else if (res.status === 404 && /namespaces? .* not found/.test(message)) hint = "create the namespace first, or use --create-namespace";
  return new KubeApiError(`${what}: ${message}`, res.status, status.reason, hint);
}
