// Secretariat links page: a "Kopiëren" button beside each link (the link text itself stays
// selectable without JavaScript). Labels come from the page, so they are translated.

function addCopyButton(input) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button copy";
  button.textContent = input.dataset.copyLabel;
  // "Kopiëren" appears once per link: the link's heading tells them apart
  button.setAttribute("aria-describedby", input.id.replace(/-url$/, "-name"));
  const status = document.createElement("span");
  status.className = "copy-status";
  status.setAttribute("role", "status");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      // no clipboard permission (or plain http): select the text so Ctrl+C works
      input.focus();
      input.select();
      return;
    }
    status.textContent = input.dataset.copiedLabel;
    setTimeout(() => { status.textContent = ""; }, 3000);
  });
  input.after(button, status);
}

document.querySelectorAll("input.copy-source").forEach(addCopyButton);
document.querySelectorAll("input.copy-source").forEach((input) => {
  input.addEventListener("focus", () => input.select());
});
