/** The event streams: combined logs resumable with Last-Event-ID (none twice, none lost), events, stats, pings. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { harness, readEvents, type Harness } from "./harness.ts";

let h: Harness;
beforeEach(() => {
  h = harness({ pingMs: 100 });
});
afterEach(() => h.close());

const stamp = (i: number) => `2026-01-02T03:04:${String(i % 60).padStart(2, "0")}.${String(i).padStart(9, "0")}Z`;
const k8s = (i: number, text: string, stream = "stdout") => `${stamp(i)} ${stream} F ${text}\n`;

function seedLogs(): { web: string; db: string } {
  const web = join(h.root, "web.log");
  const db = join(h.root, "db.log");
  writeFileSync(web, k8s(1, "web one") + k8s(3, "web two"));
  writeFileSync(db, k8s(2, "db one", "stderr"));
  h.seed("shop", { web: { logPath: web }, db: { logPath: db } });
  return { web, db };
}

const lines = (events: Array<{ data: string }>) => events.flatMap((e) => e.data.split("\n").map((l) => JSON.parse(l) as { service: string; text: string; stream: string }));

describe("project logs", () => {
  test("without follow: the lines of every service as JSON, interleaved by time", async () => {
    seedLogs();
    const got = (await (await h.req("/v1/projects/shop/logs")).json()) as Array<{ service: string; text: string; stream: string }>;
    expect(got.map((l) => [l.service, l.text, l.stream])).toEqual([
      ["web", "web one\n", "stdout"],
      ["db", "db one\n", "stderr"],
      ["web", "web two\n", "stdout"],
    ]);
    expect(((await (await h.req("/v1/projects/shop/logs?tail=1&services=db")).json()) as unknown[]).length).toBe(1);
    expect((await h.req("/v1/projects/shop/logs?tail=x")).status).toBe(400);
    expect((await h.req("/v1/projects/shop/logs?since=yesterday")).status).toBe(400);
  });

  test("follows new lines as events and resumes after Last-Event-ID with none twice and none lost", async () => {
    const { web, db } = seedLogs();
    const first = await h.req("/v1/projects/shop/logs?follow=true");
    expect(first.headers.get("content-type")).toContain("text/event-stream");
    expect(first.headers.get("x-accel-buffering")).toBe("no");
    setTimeout(() => appendFileSync(web, k8s(4, "web three")), 50);
    const seen = await readEvents(first, (es) => lines(es).length >= 4);
    expect(lines(seen).map((l) => l.text)).toEqual(["web one\n", "db one\n", "web two\n", "web three\n"]);
    const last = seen.at(-1)!.id!;
    expect(last).toBeTruthy();
    // while disconnected, more output (one line split across two writes: a partial record is not delivered half)
    appendFileSync(db, k8s(5, "db two", "stderr"));
    appendFileSync(web, `${stamp(6)} stdout F web fo`);
    const again = await h.req("/v1/projects/shop/logs?follow=true", { headers: { "last-event-id": last } });
    setTimeout(() => appendFileSync(web, "ur\n"), 50);
    const resumed = await readEvents(again, (es) => lines(es).length >= 2);
    expect(lines(resumed).map((l) => l.text)).toEqual(["db two\n", "web four\n"]);
  });

  test("refuses a Last-Event-ID it did not make", async () => {
    seedLogs();
    expect((await h.req("/v1/projects/shop/logs?follow=true", { headers: { "last-event-id": "garbage!" } })).status).toBe(400);
  });

  test("one container's logs", async () => {
    seedLogs();
    const got = (await (await h.req("/v1/containers/shop-db-1/logs")).json()) as Array<{ container: string }>;
    expect(got.map((l) => l.container)).toEqual(["shop-db-1"]);
  });

  test("idle streams get keep-alive pings", async () => {
    seedLogs();
    const r = await h.req("/v1/projects/shop/logs?follow=true&tail=0");
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const until = Date.now() + 3000;
    while (!text.includes(": ping") && Date.now() < until) text += (await reader.read()).value ?? "";
    await reader.cancel();
    expect(text).toContain(": ping\n\n");
  });
});

describe("events", () => {
  test("past events, then new ones as they are appended; Last-Event-ID resumes after an id", async () => {
    h.seed("shop", { web: {} });
    const store = h.ctx.store();
    const e1 = store.appendEvent({ project: "shop", service: "web", container: "shop-web-1", action: "start" });
    const past = (await (await h.req("/v1/events")).json()) as Array<{ id: number }>;
    expect(past.map((e) => e.id)).toEqual([e1.id]);
    const r = await h.req("/v1/projects/shop/events?follow=true");
    setTimeout(() => store.appendEvent({ project: "shop", service: "web", container: "shop-web-1", action: "die", exitCode: 3 }), 50);
    const got = await readEvents(r, (es) => es.length >= 2);
    expect(got.map((e) => JSON.parse(e.data).action)).toEqual(["start", "die"]);
    expect(got[1]!.id).toBe(String(e1.id + 1));
    const resumed = await readEvents(await h.req("/v1/events?follow=true", { headers: { "last-event-id": String(e1.id) } }), (es) => es.length >= 1);
    expect(JSON.parse(resumed[0]!.data)).toEqual(expect.objectContaining({ action: "die", exitCode: 3 }));
    expect((await h.req("/v1/events", { headers: { "last-event-id": "-4" } })).status).toBe(400);
  });
});

describe("stats", () => {
  test("one sample as JSON, or a stream of samples", async () => {
    h.seed("shop", { web: {} });
    expect(await (await h.req("/v1/projects/shop/stats?interval=200")).json()).toEqual([{ container: "shop-web-1", cpuPercent: 0, memoryKb: 0, pids: 0 }]);
    const events = await readEvents(await h.req("/v1/projects/shop/stats?stream=true&interval=200"), (es) => es.length >= 2);
    expect(JSON.parse(events[1]!.data).usage).toEqual([{ container: "shop-web-1", cpuPercent: 0, memoryKb: 0, pids: 0 }]);
    expect((await h.req("/v1/projects/shop/stats?interval=5")).status).toBe(400);
  });
});
