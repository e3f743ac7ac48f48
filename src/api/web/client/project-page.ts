/// <reference lib="dom" />
/**
 * One project: status and actions (each confirmed, with the CLI command that does the same), its
 * containers with live CPU and memory charts, the combined live logs coloured per service, its
 * events, and the diagnosis of failing services.
 */
import { ApiFailure, getJson, send, stream } from "./api.ts";
import { Spark } from "./charts.ts";
import { confirmAction } from "./confirm.ts";
import { badge, clear, h, serviceColor } from "./dom.ts";
import { eventFeed } from "./events-page.ts";
import type { Container, Diagnosis, Finding, LogLine, ProjectDetail, Usage } from "./types.ts";

const MAX_LOG_LINES = 3000;

function errorBox(err: unknown): HTMLElement {
  const e = err as ApiFailure;
  return h("div", { class: "error-box", role: "alert" }, e.message, e.hint ? h("div", { class: "muted" }, e.hint) : null);
}

export function projectPage(main: HTMLElement, name: string): () => void {
  const enc = encodeURIComponent(name);
  const closers: Array<() => void> = [];
  const status = h("span");
  const notice = h("div");
  const containersCard = h("div", { class: "card scroll" }, h("p", { class: "muted" }, "Loading…"));
  const sparks = new Map<string, { cpu: Spark; mem: Spark; cpuText: HTMLElement; memText: HTMLElement }>();
  let services: string[] = [];

  const act = async (o: { label: string; verb: string; method: "POST" | "DELETE"; path: string; cli: string; text: string }) => {
    if (!(await confirmAction({ title: `${o.label}?`, text: o.text, cli: o.cli, ok: o.label }))) return;
    clear(notice);
    try {
      await send(o.method, o.path);
      if (o.method === "DELETE") location.hash = "#/";
      else await refresh();
    } catch (err) {
      notice.append(errorBox(err));
    }
  };
  const projectAction = (verb: string, label: string, text: string) =>
    h("button", { class: verb === "down" ? "danger" : "secondary", "data-action": verb, onclick: () => void act(verb === "down" ? { label, verb, method: "DELETE", path: `/v1/projects/${enc}`, cli: `kitten down -p ${name}`, text } : { label, verb, method: "POST", path: `/v1/projects/${enc}/${verb}`, cli: `kitten ${verb} -p ${name}`, text }) }, label);

  const row = (c: Container) => {
    let s = sparks.get(c.name);
    if (!s) {
      s = { cpu: new Spark("cpu", `CPU of ${c.name}`), mem: new Spark("mem", `memory of ${c.name}`), cpuText: h("span", { class: "num" }), memText: h("span", { class: "num" }) };
      sparks.set(c.name, s);
    }
    const running = c.status === "running";
    const svcAction = (verb: string) =>
      h("button", { class: "small secondary", "data-action": `${verb}:${c.service}`, onclick: () => void act({ label: verb[0]!.toUpperCase() + verb.slice(1), verb, method: "POST", path: `/v1/projects/${enc}/services/${encodeURIComponent(c.service)}/${verb}`, cli: `kitten ${verb} -p ${name} ${c.service}`, text: `${verb} every container of service ${c.service}` }) }, verb);
    return h(
      "tr",
      { "data-container": c.name },
      h("td", {}, c.service),
      h("td", { class: "hide-narrow mono" }, c.name),
      h("td", {}, badge(c.phase), c.exitCode !== undefined && !running ? h("span", { class: "num" }, `exit ${c.exitCode}`) : null),
      h("td", { class: "hide-narrow" }, c.health === "none" ? "—" : badge(c.health)),
      h("td", { class: "hide-narrow" }, String(c.restarts)),
      h("td", {}, (c.ports ?? []).map((p) => `${p.hostIp}:${p.hostPort}→${p.containerPort}`).join(", ") || "—"),
      h("td", {}, s.cpu.el, s.cpuText),
      h("td", {}, s.mem.el, s.memText),
      h("td", { class: "row" }, running ? [svcAction("restart"), svcAction("stop")] : svcAction("start"), c.phase === "failed" || c.restarts > 0 ? h("a", { href: "#diagnosis", class: "button small secondary", onclick: () => void runDiagnosis([c.service]) }, "diagnose") : null),
    );
  };

  const refresh = async () => {
    const p = await getJson<ProjectDetail>(`/v1/projects/${enc}`);
    services = p.services;
    status.replaceChildren(badge(p.status));
    clear(containersCard);
    containersCard.append(
      h(
        "table",
        { "aria-label": "containers" },
        h("thead", {}, h("tr", {}, ...["Service", "Container", "State", "Health", "Restarts", "Ports", "CPU", "Memory", ""].map((t, i) => h("th", { class: i === 1 || i === 3 || i === 4 ? "hide-narrow" : undefined }, t)))),
        h("tbody", {}, p.containerList.length ? p.containerList.map(row) : h("tr", {}, h("td", { colspan: "9", class: "muted" }, "no containers"))),
      ),
    );
  };

  // logs: one stream for the whole project, each line prefixed by its container in the service's colour
  const logs = h("pre", { class: "logs", tabindex: "0", "aria-label": "logs", "aria-live": "off" });
  // a record without a newline (conmon splits long or fast output) is continued by the container's next one
  const partial = new Map<string, string>();
  const addLine = (l: LogLine) => {
    const text = (partial.get(l.container) ?? "") + l.text;
    if (!text.endsWith("\n")) {
      partial.set(l.container, text);
      return;
    }
    partial.delete(l.container);
    l = { ...l, text };
    const atBottom = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 8;
    const prefix = h("span", { class: "svc" }, `${l.container.startsWith(`${name}-`) ? l.container.slice(name.length + 1) : l.container} | `);
    prefix.style.setProperty("--svc", serviceColor(l.service));
    logs.append(h("span", { class: l.stream === "stderr" ? "line err" : "line", "data-service": l.service }, prefix, h("span", { class: "txt" }, l.text)));
    while (logs.childElementCount > MAX_LOG_LINES) logs.firstElementChild?.remove();
    if (atBottom) logs.scrollTop = logs.scrollHeight;
  };

  const diagnosis = h("div", { id: "diagnosis" });
  const runDiagnosis = async (only: string[] = []) => {
    diagnosis.replaceChildren(h("p", { class: "muted" }, "Diagnosing…"));
    try {
      const d = await getJson<Diagnosis>(`/v1/projects/${enc}/diagnose${only.length ? `?services=${only.map(encodeURIComponent).join(",")}` : ""}`);
      const builds = d.builds ?? [];
      diagnosis.replaceChildren(
        h("p", { class: "muted" }, "Same as: ", h("code", {}, `kitten diagnose -p ${name}${only.length ? ` ${only.join(" ")}` : ""}`)),
        // a failed build leaves no container: its step, command and findings come first
        ...builds.map((b) =>
          h(
            "div",
            { class: "card" },
            h("strong", {}, `${b.service ?? b.image ?? "build"}: build failed`),
            ` — ${b.dockerfile}${b.line !== undefined ? `:${b.line}` : ""}${b.step ? ` ${b.step}` : ""}${b.exitCode !== undefined ? `, exit code ${b.exitCode}` : ""}`,
            b.command ? h("pre", { class: "cli" }, b.command) : null,
            b.findings.length === 0 ? h("p", { class: "muted" }, b.error) : b.findings.map(findingView),
          ),
        ),
        ...(d.containers.length === 0
          ? builds.length ? [] : [h("p", {}, "Nothing is failing or restarting.")]
          : d.containers.map((c) =>
              h(
                "div",
                { class: "card" },
                h("strong", {}, `${c.service} (${c.container})`),
                ` — ${c.state}${c.exitCode !== undefined ? `, exit code ${c.exitCode}` : ""}${c.restartCount ? `, restarted ${c.restartCount}×` : ""}`,
                c.findings.length === 0 ? h("p", { class: "muted" }, "no known cause found; see its logs above") : null,
                c.findings.map(findingView),
              ),
            )),
        d.explanation ? h("p", {}, d.explanation) : "",
      );
    } catch (err) {
      diagnosis.replaceChildren(errorBox(err));
    }
  };

  const feed = eventFeed(`/v1/projects/${enc}/events?follow=true&tail=50`, false);
  main.append(
    h("h1", {}, name, status),
    h("div", { class: "row" }, projectAction("start", "Start", `start the stopped containers of ${name}`), projectAction("stop", "Stop", `stop every container of ${name} (they stay, and start again with Start)`), projectAction("restart", "Restart", `restart every container of ${name}`), projectAction("down", "Down", `stop and remove every container, network and the namespace of ${name}; volumes stay`)),
    notice,
    h("h2", {}, "Containers"),
    containersCard,
    h("h2", {}, "Logs"),
    h("p", { class: "muted" }, "Same as: ", h("code", {}, `kitten logs -f -p ${name}`)),
    logs,
    h("div", { class: "grid2" }, h("div", {}, h("h2", {}, "Events"), h("div", { class: "card" }, feed.el)), h("div", {}, h("h2", {}, "Diagnosis"), h("button", { class: "secondary", onclick: () => void runDiagnosis() }, "Diagnose failing services"), diagnosis)),
  );
  closers.push(feed.close);
  void refresh().catch((err) => containersCard.replaceChildren(errorBox(err)));
  closers.push(stream(`/v1/projects/${enc}/logs?follow=true&tail=200`, addLine));
  closers.push(
    stream(`/v1/projects/${enc}/stats?stream=true&interval=2000`, (sample: { usage: Usage[] }) => {
      for (const u of sample.usage) {
        const s = sparks.get(u.container);
        if (!s) continue;
        s.cpu.push(u.cpuPercent);
        s.mem.push(u.memoryKb);
        s.cpuText.textContent = `${u.cpuPercent.toFixed(1)}%`;
        s.memText.textContent = `${(u.memoryKb / 1024).toFixed(1)} MiB`;
      }
    }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  closers.push(
    stream(`/v1/projects/${enc}/events?follow=true&tail=0`, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void refresh().catch(() => {}), 200);
    }),
  );
  closers.push(() => clearTimeout(timer));
  void services;
  return () => closers.forEach((c) => c());
}

/** One finding: its cause with the confidence, the evidence lines, the fix. */
function findingView(f: Finding): HTMLElement {
  return h("div", { class: "finding" }, h("p", {}, h("strong", {}, "Cause: "), f.cause, h("span", { class: "num" }, `${f.confidence} confidence`)), f.evidence.length ? h("pre", { class: "cli" }, f.evidence.join("\n")) : null, h("p", {}, h("strong", {}, "Fix: "), f.fix));
}
