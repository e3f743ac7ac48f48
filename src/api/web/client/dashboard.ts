/// <reference lib="dom" />
/** The dashboard: every project with its status, containers, health, restarts and ports, refreshed when an event arrives. */
import { getJson, stream } from "./api.ts";
import { badge, clear, h } from "./dom.ts";
import type { ProjectSummary } from "./types.ts";

export function dashboard(main: HTMLElement): () => void {
  const body = h("div", {}, h("p", { class: "muted" }, "Loading…"));
  main.append(h("h1", {}, "Projects"), body);
  const render = async () => {
    const projects = await getJson<ProjectSummary[]>("/v1/projects");
    clear(body);
    if (projects.length === 0) {
      body.append(h("div", { class: "card" }, h("p", {}, "No projects yet. "), h("p", {}, h("a", { href: "#/ask" }, "Describe one in plain English"), " or run ", h("code", {}, "kitten up -d"), ".")));
      return;
    }
    const rows = projects.map((p) =>
      h(
        "tr",
        { "data-project": p.name },
        h("td", {}, h("a", { href: `#/projects/${encodeURIComponent(p.name)}` }, p.name)),
        h("td", {}, badge(p.status)),
        h("td", {}, `${p.containers.running}/${p.containers.total} running`, p.containers.done ? `, ${p.containers.done} done` : "", p.containers.failed ? `, ${p.containers.failed} failed` : ""),
        h("td", { class: "hide-narrow" }, p.health.unhealthy ? h("span", { class: "s-unhealthy" }, `${p.health.unhealthy} unhealthy`) : p.health.healthy ? h("span", { class: "s-healthy" }, `${p.health.healthy} healthy`) : p.health.starting ? "starting" : "—"),
        h("td", { class: "hide-narrow" }, String(p.restarts)),
        h("td", {}, p.ports.length ? p.ports.join(", ") : "—"),
      ),
    );
    body.append(
      h(
        "div",
        { class: "card scroll" },
        h("table", { "aria-label": "projects" }, h("thead", {}, h("tr", {}, h("th", {}, "Project"), h("th", {}, "Status"), h("th", {}, "Containers"), h("th", { class: "hide-narrow" }, "Health"), h("th", { class: "hide-narrow" }, "Restarts"), h("th", {}, "Ports"))), h("tbody", {}, rows)),
      ),
    );
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void render().catch(() => {}), 250);
  };
  void render().catch((err) => body.replaceChildren(h("div", { class: "error-box" }, String(err.message))));
  // no polling: the list is read again when the event log says something changed
  const close = stream("/v1/events?follow=true&tail=0", soon);
  return () => {
    clearTimeout(timer);
    close();
  };
}
