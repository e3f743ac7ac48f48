/// <reference lib="dom" />
/** The web UI's entry: a hash router over the pages; each page returns what closes its streams. */
import { askPage } from "./ask-page.ts";
import { dashboard } from "./dashboard.ts";
import { eventsPage } from "./events-page.ts";
import { projectPage } from "./project-page.ts";
import { signIn } from "./signin.ts";

let leave: () => void = () => {};

function route(): void {
  const main = document.getElementById("main");
  if (!main) return;
  leave();
  main.replaceChildren();
  const hash = location.hash.replace(/^#/, "") || "/";
  const project = /^\/projects\/([^/]+)$/.exec(hash);
  let nav = "projects";
  if (project) leave = projectPage(main, decodeURIComponent(project[1]!));
  else if (hash === "/ask") (leave = askPage(main)), (nav = "ask");
  else if (hash === "/events") (leave = eventsPage(main)), (nav = "events");
  else leave = dashboard(main);
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
    if (a.dataset.nav === nav) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = project ? `${decodeURIComponent(project[1]!)} · kitten` : `${nav[0]!.toUpperCase()}${nav.slice(1)} · kitten`;
}

function start(): void {
  if (document.body.dataset.page === "signin") return signIn();
  window.addEventListener("hashchange", route);
  route();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
