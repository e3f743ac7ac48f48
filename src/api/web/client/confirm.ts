/// <reference lib="dom" />
/** The confirm step every action goes through: what it does, and the CLI command that does the same. */
export function confirmAction(o: { title: string; text: string; cli: string; ok: string }): Promise<boolean> {
  const dialog = document.getElementById("confirm") as HTMLDialogElement;
  (document.getElementById("confirm-title") as HTMLElement).textContent = o.title;
  (document.getElementById("confirm-text") as HTMLElement).textContent = o.text;
  (document.getElementById("confirm-cli") as HTMLElement).textContent = o.cli;
  (document.getElementById("confirm-ok") as HTMLButtonElement).textContent = o.ok;
  dialog.returnValue = "cancel";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
    (document.getElementById("confirm-ok") as HTMLButtonElement).focus();
  });
}
