// The console's stylesheet and script, served from /static/ (no build chain, and a CSP that allows only 'self').

export const CONSOLE_CSS = `
:root { color-scheme: light dark; --accent: #2563eb; --muted: #6b7280; --line: #d1d5db; --bad: #b91c1c; --good: #15803d; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; }
header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
header .who { margin-left: auto; color: var(--muted); }
header form { margin: 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
a { color: var(--accent); }
h1 { font-size: 1.3rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
tr.selected { outline: 2px solid var(--accent); }
.muted { color: var(--muted); }
.post { white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: plaintext; border: 1px solid var(--line); border-radius: 6px; padding: .8rem; font: 14px/1.5 ui-monospace, monospace; }
.post mark { background: #fde047; color: #111; border-radius: 2px; }
.reasoning { white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: plaintext; font: 13px/1.45 ui-monospace, monospace; border-left: 3px solid var(--line); padding: .2rem .8rem; }
.violate { color: var(--bad); font-weight: 600; }
.allow { color: var(--good); font-weight: 600; }
.notice { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; margin: .8rem 0; }
.error { border-color: var(--bad); }
form.filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; margin-bottom: 1rem; }
form.filters label { display: flex; flex-direction: column; font-size: .85rem; }
form.answer textarea { width: 100%; min-height: 4rem; }
form.answer .buttons { display: flex; gap: .6rem; margin-top: .5rem; }
button { font: inherit; padding: .35rem .9rem; cursor: pointer; }
kbd { border: 1px solid var(--line); border-radius: 3px; padding: 0 .3rem; font-size: .8rem; }
#shortcuts[hidden] { display: none; }
`;

export const CONSOLE_SCRIPT = `"use strict";
(() => {
  const typing = (el) => el && (el.tagName === "TEXTAREA" || el.tagName === "INPUT" || el.tagName === "SELECT" || el.isContentEditable);
  const rows = () => Array.from(document.querySelectorAll("[data-row]"));
  let selected = -1;
  const select = (i) => {
    const all = rows();
    if (all.length === 0) return;
    selected = Math.max(0, Math.min(all.length - 1, i));
    all.forEach((row, j) => row.classList.toggle("selected", j === selected));
    all[selected].scrollIntoView({ block: "nearest" });
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(document.activeElement)) {
      if (event.key === "Escape") document.activeElement.blur();
      return;
    }
    if (event.key === "j") return select(selected + 1);
    if (event.key === "k") return select(selected - 1);
    if ((event.key === "Enter" || event.key === "o") && selected >= 0) {
      const link = rows()[selected].querySelector("a");
      if (link) link.click();
      return;
    }
    if (event.key === "?") {
      const help = document.getElementById("shortcuts");
      if (help) help.hidden = !help.hidden;
      return;
    }
    const target = document.querySelector('[data-shortcut="' + CSS.escape(event.key) + '"]');
    if (!target) return;
    event.preventDefault();
    if (typing(target)) target.focus();
    else target.click();
  });
  // One click is one answer: a second submit of the same page is dropped.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset.sent) return event.preventDefault();
    form.dataset.sent = "1";
  });
})();
`;
