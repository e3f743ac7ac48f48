/** Text tables of images: `kitten images` / `kitten image ls` (docker images) and a project's (docker compose images). */
import type { ImageSummary } from "../../engine/image/manage.ts";
import type { ProjectImage } from "../../engine/orchestrate/project-images.ts";
import { humanSize } from "./pull-progress.ts";

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]! + 3))).join("").trimEnd()).join("\n") + "\n";
}

export function imageTable(rows: ImageSummary[]): string {
  return table([["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], ...rows.map((r) => [r.repository, r.tag, r.id.slice(7, 19), r.created?.slice(0, 19).replace("T", " ") ?? "", humanSize(r.size)])]);
}

export function projectImageTable(rows: ProjectImage[]): string {
  return table([["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"], ...rows.map((r) => [r.container, r.repository, r.tag, r.id.slice(7, 19), humanSize(r.size)])]);
}
