/// <reference lib="dom" />
/** Every project's container events, live. */
import { stream } from "./api.ts";
import { h, time } from "./dom.ts";
import type { KEvent } from "./types.ts";

export function eventText(e: KEvent): string {
  return `${e.container ?? e.project} ${e.action}${e.exitCode !== undefined ? ` (exit ${e.exitCode})` : ""}${e.detail ? `: ${e.detail}` : ""}`;
}

export function eventFeed(path: string, withProject: boolean): { el: HTMLElement; close: () => void } {
  const list = h("ul", { class: "feed", "aria-live": "polite" });
  const close = stream(path, (e: KEvent) => {
    list.prepend(h("li", {}, h("time", { datetime: e.time }, time(e.time)), withProject ? h("a", { href: `#/projects/${encodeURIComponent(e.project)}` }, e.project) : null, withProject ? " " : null, eventText(e)));
    while (list.children.length > 300) list.lastChild?.remove();
  });
  return { el: list, close };
}

export function eventsPage(main: HTMLElement): () => void {
  const feed = eventFeed("/v1/events?follow=true&tail=100", true);
  main.append(h("h1", {}, "Events"), h("p", { class: "muted" }, "Same as: ", h("code", {}, "kitten events --follow -p <project>")), h("div", { class: "card" }, feed.el));
  return feed.close;
}
