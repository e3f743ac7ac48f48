/// <reference lib="dom" />
/** The UI's calls to its own server: JSON with errors as `{error, hint}`, event streams, and POSTs that stream progress. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

async function failure(res: Response): Promise<ApiFailure> {
  try {
    const body = (await res.json()) as { error?: string; hint?: string };
    return new ApiFailure(body.error ?? res.statusText, body.hint, res.status);
  } catch {
    return new ApiFailure(`${res.status} ${res.statusText}`, undefined, res.status);
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  if (res.status === 401) location.reload();
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, { method, headers: body === undefined ? {} : { "Content-Type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** A POST answered with progress events: `progress` per engine event, then `done` (the result) or `error`. */
export async function sendWithProgress<T>(path: string, body: unknown, onProgress: (e: { type: string; message?: string; action?: string; container?: string; id?: string }) => void): Promise<T> {
  const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json", Accept: "text/event-stream" }, body: JSON.stringify(body) });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let end: number;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length === 0) continue;
      const payload = JSON.parse(data.join("\n"));
      if (event === "progress") onProgress(payload);
      else if (event === "done") return payload as T;
      else if (event === "error") throw new ApiFailure(payload.error, payload.hint);
    }
  }
  throw new ApiFailure("the server closed the stream before it finished");
}

/** Streams a GET as server-sent events; `onData` gets each data line parsed. Closed by the returned function. */
export function stream(path: string, onData: (value: any) => void): () => void {
  const es = new EventSource(path);
  es.onmessage = (e) => {
    for (const line of e.data.split("\n")) if (line) onData(JSON.parse(line));
  };
  return () => es.close();
}
