// The save status in a table page's header ("Opgeslagen", "Offline – 3 wijzigingen wachten")
// and the message next to it; what they say is decided by the live client.

export class SaveStatus {
  constructor() {
    this.statusEl = document.getElementById("save-status");
    this.messageEl = document.getElementById("live-message");
    if (this.messageEl) {
      this.messageEl.querySelector("[data-action=dismiss]").addEventListener("click", () => this.message(""));
      this.messageEl.querySelector("[data-action=reload]").addEventListener("click", () => location.reload());
    }
  }

  /** Show a state (saved, saving, offline, connecting, closed, error), its text and the count. */
  show(state, text, pending) {
    if (!this.statusEl) return;
    const label = this.statusEl.querySelector(".label");
    if (label.textContent !== text) label.textContent = text;
    this.statusEl.dataset.state = state;
    this.statusEl.dataset.pending = String(pending);
    document.documentElement.dataset.live = state;
  }

  /** A message for a person next to the save status (empty hides it); reload: offer a reload. */
  message(text, { reload = false } = {}) {
    if (!this.messageEl) return;
    this.messageEl.querySelector(".text").textContent = text;
    this.messageEl.querySelector("[data-action=reload]").hidden = !reload;
    this.messageEl.hidden = !text;
  }
}
