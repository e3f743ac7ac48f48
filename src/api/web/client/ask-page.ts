/// <reference lib="dom" />
/**
 * The Ask page: a request in English becomes a draft (YAML, start order, the drafter's notes and
 * warnings, what blocks a deploy, and what would change in a running project); the YAML can be
 * edited; Deploy confirms and posts exactly the text shown, then the page watches it come up.
 */
import { ApiFailure, getJson, send, sendWithProgress } from "./api.ts";
import { confirmAction } from "./confirm.ts";
import { clear, h } from "./dom.ts";
import type { Draft, ProjectSummary } from "./types.ts";

export function askPage(main: HTMLElement): () => void {
  const request = h("textarea", { id: "ask-request", rows: "3", placeholder: "e.g. nginx on port 8080 with a postgres database and redis", "aria-describedby": "ask-help" }) as HTMLTextAreaElement;
  const target = h("select", { id: "ask-project" }, h("option", { value: "" }, "a new project")) as HTMLSelectElement;
  const draftButton = h("button", { type: "submit", id: "ask-draft" }, "Draft");
  const out = h("div", { id: "ask-result" });
  const form = h(
    "form",
    { class: "card", onsubmit: (e: Event) => (e.preventDefault(), void makeDraft()) },
    h("label", { for: "ask-request" }, "What should run?"),
    request,
    h("p", { id: "ask-help", class: "muted" }, "Nothing is deployed until you review the draft and press Deploy. Ctrl+Enter drafts."),
    h("div", { class: "row" }, h("label", { for: "ask-project" }, "Change"), target, draftButton),
  );
  request.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });
  main.append(h("h1", {}, "Ask"), form, out);
  request.focus();
  void getJson<ProjectSummary[]>("/v1/projects").then((ps) => ps.forEach((p) => target.append(h("option", { value: p.name }, `project ${p.name}`))), () => {});

  const makeDraft = async () => {
    clear(out);
    if (!request.value.trim()) return;
    draftButton.setAttribute("disabled", "");
    out.append(h("p", { class: "muted" }, "Drafting…"));
    try {
      const d = await send<Draft>("POST", "/v1/ask", { request: request.value, ...(target.value ? { project: target.value } : {}) });
      showDraft(d);
    } catch (err) {
      clear(out);
      out.append(errorBox(err));
    } finally {
      draftButton.removeAttribute("disabled");
    }
  };

  const showDraft = (d: Draft) => {
    clear(out);
    const yaml = h("textarea", { class: "mono", id: "draft-yaml", "aria-label": "draft YAML", spellcheck: "false" }) as HTMLTextAreaElement;
    yaml.value = d.yaml;
    const progress = h("ul", { class: "feed", id: "deploy-progress", "aria-live": "polite" });
    const deployResult = h("div");
    const deployButton = h("button", { id: "ask-deploy", disabled: d.problems.length > 0, onclick: () => void deploy() }, "Deploy");
    const deploy = async () => {
      // the name is the YAML's own (the reviewer may have changed it)
      const name = /^name:\s*["']?([a-z0-9][a-z0-9_-]*)/m.exec(yaml.value)?.[1] ?? d.project.name;
      if (!(await confirmAction({ title: `Deploy ${name}?`, text: "Start the project exactly as the YAML shows it now.", cli: `kitten up -d -f compose.yaml  # the YAML above saved as compose.yaml`, ok: "Deploy" }))) return;
      deployButton.setAttribute("disabled", "");
      clear(progress);
      clear(deployResult);
      try {
        const done = await sendWithProgress<{ project: string }>("/v1/ask/deploy", { yaml: yaml.value }, (e) => {
          const text = e.type === "container" ? `${e.container} ${e.action}` : e.type === "progress" ? `${e.id} ${e.action}` : `${e.type}: ${e.message}`;
          progress.append(h("li", {}, text));
        });
        deployResult.append(h("p", {}, "Deployed. ", h("a", { href: `#/projects/${encodeURIComponent(done.project)}`, id: "deployed-link" }, `Watch ${done.project} come up →`)));
        location.hash = `#/projects/${encodeURIComponent(done.project)}`;
      } catch (err) {
        deployResult.append(errorBox(err));
        deployButton.removeAttribute("disabled");
      }
    };
    out.append(
      h(
        "div",
        { class: "grid2" },
        h("div", {}, h("h2", {}, `Draft: ${d.project.name}`, h("span", { class: "num" }, `(${d.source})`)), yaml, h("p", { class: "muted" }, "Edit freely: Deploy sends this text, checked again by the server.")),
        h(
          "div",
          {},
          h("h2", {}, "Start order"),
          h("ol", { class: "levels" }, d.levels.map((l) => h("li", {}, l.join(", ")))),
          d.summary.length ? [h("h2", {}, "Notes"), h("ul", { class: "notes" }, d.summary.map((s) => h("li", {}, s)))] : null,
          d.warnings.length ? [h("h2", {}, "Warnings"), h("ul", { class: "notes warn" }, d.warnings.map((s) => h("li", {}, s)))] : null,
          d.problems.length ? [h("h2", {}, "Problems (fix before deploying)"), h("ul", { class: "notes bad" }, d.problems.map((s) => h("li", {}, s)))] : null,
          d.diff
            ? [
                h("h2", {}, `Changes to ${d.diff.against}`),
                h("ul", { class: "notes" }, d.diff.changes.length ? d.diff.changes.map((c) => h("li", {}, `${c.service}: ${c.change}`)) : h("li", {}, "no change")),
                h("pre", { class: "diff mono" }, d.diff.text.split("\n").map((l) => h("span", { class: l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : "" }, `${l}\n`))),
              ]
            : null,
          h("h2", {}, "Same as"),
          h("pre", { class: "cli" }, d.cli),
          h("div", { class: "row" }, deployButton),
          progress,
          deployResult,
        ),
      ),
    );
  };
  return () => {};
}

function errorBox(err: unknown): HTMLElement {
  const e = err as ApiFailure;
  return h("div", { class: "error-box", role: "alert" }, e.message, e.hint ? h("div", { class: "muted" }, e.hint) : null);
}
