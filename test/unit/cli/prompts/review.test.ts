import { describe, expect, test } from "bun:test";
import { PassThrough, Writable } from "node:stream";
import { reviewDraft, summaryTable } from "../../../../src/cli/prompts/review.ts";
import { draftOffline } from "../../../../src/ai/offline/index.ts";
import { CancelledError } from "../../../../src/core/errors.ts";

const DOWN = "\x1b[B";
const ENTER = "\r";

/** A fake terminal: keys go in, everything printed is kept (ANSI codes stripped). */
function terminal() {
  const input = new PassThrough();
  let text = "";
  const output = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk).replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, "");
      done();
    },
  });
  const waitFor = async (needle: string, from = 0) => {
    for (let i = 0; i < 1000 && !text.includes(needle, from); i++) await Bun.sleep(5);
    const index = text.indexOf(needle, from);
    if (index < 0) throw new Error(`"${needle}" never appeared in:\n${text}`);
    return index + needle.length;
  };
  return { input, output, waitFor, get text() { return text; }, type: (s: string) => input.write(s) };
}

const draft = () => draftOffline("nginx and 2 python api servers", { projectName: "demo" });

describe("review of a draft on a terminal", () => {
  test("shows the YAML, the summary table, the start order and the notes", async () => {
    const t = terminal();
    const done = reviewDraft(draft(), { refine: async () => draft(), defaultPath: "compose.yaml", format: "yaml", canDeploy: true, io: t });
    const at = await t.waitFor("What now?");
    t.type(ENTER);
    await t.waitFor("Save the project to (then deploy it)", at);
    t.type(ENTER);
    const outcome = await done;
    expect(outcome).toMatchObject({ action: "deploy", path: "compose.yaml" });
    expect(t.text).toContain("image: python:3.12-slim");
    expect(t.text).toContain("nginx    nginx:alpine                8080->80  api (healthy)");
    expect(t.text).toContain("1. api");
    expect(t.text).toContain("2. nginx");
    expect(t.text).toContain('nginx (nginx) is a reverse proxy forwarding requests to "api"');
  });

  test("refines the draft with a follow-up request, then saves it where asked", async () => {
    const t = terminal();
    const requests: string[] = [];
    const done = reviewDraft(draft(), {
      refine: async (request, current) => {
        requests.push(request);
        return draftOffline(request, { projectName: "demo", existing: current });
      },
      defaultPath: "compose.yaml",
      format: "yaml",
      canDeploy: true,
      refusePath: (path) => (path === "taken.yaml" ? "taken.yaml already exists" : undefined),
      io: t,
    });
    let at = await t.waitFor("What now?");
    t.type(DOWN + ENTER); // refine
    at = await t.waitFor("What should change?", at);
    t.type("add redis" + ENTER);
    at = await t.waitFor("What now?", at);
    t.type(DOWN + DOWN + DOWN + ENTER); // save to a file
    at = await t.waitFor("Save to", at);
    t.type("taken.yaml" + ENTER);
    at = await t.waitFor("taken.yaml already exists", at);
    t.type("\x7f".repeat(10) + "stack.yaml" + ENTER);
    const outcome = await done;
    expect(requests).toEqual(["add redis"]);
    expect(outcome.action).toBe("save");
    expect(outcome.path).toBe("stack.yaml");
    expect(Object.keys(outcome.draft.project.services).sort()).toEqual(["api", "nginx", "redis"]);
  });

  test("shows a refinement it cannot read as an error and asks again", async () => {
    const t = terminal();
    const done = reviewDraft(draft(), {
      refine: async (request, current) => draftOffline(request, { projectName: "demo", existing: current }),
      defaultPath: "compose.yaml",
      format: "yaml",
      canDeploy: false,
      io: t,
    });
    let at = await t.waitFor("What now?");
    t.type(ENTER); // refine: deploy is not offered
    at = await t.waitFor("What should change?", at);
    t.type("make it faster" + ENTER);
    at = await t.waitFor('could not understand "make it faster"', at);
    await t.waitFor("What now?", at);
    t.type(DOWN + DOWN + DOWN + ENTER); // cancel
    await expect(done).rejects.toBeInstanceOf(CancelledError);
    expect(t.text).toContain("cancelled: nothing was deployed or written");
  });

  test("lines up the summary table", () => {
    expect(summaryTable(draft().project).split("\n")).toEqual([
      "SERVICE  IMAGE             REPLICAS  PORTS     DEPENDS ON",
      "nginx    nginx:alpine                8080->80  api (healthy)",
      "api      python:3.12-slim  x2",
    ]);
  });
});
