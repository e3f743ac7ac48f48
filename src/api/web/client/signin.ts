/// <reference lib="dom" />
/** The sign-in page: paste the API token (the one-time link from `kitten serve --url` skips this). */
import { ApiFailure, send } from "./api.ts";
import { h } from "./dom.ts";

export function signIn(): void {
  const form = document.getElementById("signin") as HTMLFormElement | null;
  const input = document.getElementById("token") as HTMLInputElement | null;
  const out = document.getElementById("signin-error");
  if (!form || !input || !out) return;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    send("POST", "/login", { token: input.value.trim() }).then(
      () => location.assign("/"),
      (err: ApiFailure) => out.replaceChildren(h("div", { class: "error-box", role: "alert" }, err.message)),
    );
  });
}
