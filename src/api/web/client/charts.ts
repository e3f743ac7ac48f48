/// <reference lib="dom" />
/** Small live line charts (sparklines) of the last samples, drawn as SVG. */
const NS = "http://www.w3.org/2000/svg";
const KEEP = 40;

export class Spark {
  readonly el: SVGSVGElement;
  private readonly line: SVGPolylineElement;
  private readonly values: number[] = [];

  constructor(kind: "cpu" | "mem", label: string) {
    this.el = document.createElementNS(NS, "svg");
    this.el.setAttribute("class", `spark ${kind}`);
    this.el.setAttribute("viewBox", `0 0 ${KEEP} 28`);
    this.el.setAttribute("preserveAspectRatio", "none");
    this.el.setAttribute("role", "img");
    this.el.setAttribute("aria-label", label);
    this.line = document.createElementNS(NS, "polyline");
    this.el.appendChild(this.line);
  }

  push(v: number): void {
    this.values.push(v);
    if (this.values.length > KEEP) this.values.shift();
    const max = Math.max(1, ...this.values);
    const start = KEEP - this.values.length;
    this.line.setAttribute("points", this.values.map((x, i) => `${start + i},${(27 - (x / max) * 25).toFixed(1)}`).join(" "));
  }
}
