import type { Action } from "../codec/records.js";
import type { StoredTicket } from "./console-store.js";
import { highlightedText } from "./highlighted-text.js";
import { html, type SafeHtml } from "../html/safe-html.js";
import type { TicketView } from "./ticket-view.js";

/** What every page needs: where the console lives, who is logged in, the CSRF token for its forms. */
export interface PageContext {
  base: string;
  moderator: string | null;
  csrf: string;
}

export const ticketPath = (base: string, ticketId: string) => `${base}/tickets/${encodeURIComponent(ticketId)}`;

const when = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");

export function age(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} d`;
}

const csrfField = (ctx: PageContext) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;

export function layout(ctx: PageContext, title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Arbiter console</title>
<link rel="stylesheet" href="${ctx.base}/static/console.css">
<script src="${ctx.base}/static/console.js" defer></script>
</head>
<body>
<header>
<a href="${ctx.base}/tickets">Arbiter console</a>
${
  ctx.moderator === null
    ? ""
    : html`<span class="who">${ctx.moderator}</span>
<form method="post" action="${ctx.base}/logout">${csrfField(ctx)}<button type="submit">Log out</button></form>`
}
</header>
<main>
${body}
</main>
</body>
</html>`;
}

export function loginPage(ctx: PageContext, next: string, problem: string | null): SafeHtml {
  return layout(
    ctx,
    "Log in",
    html`<h1>Log in</h1>
${problem === null ? "" : html`<p class="notice error" role="alert">${problem}</p>`}
<form method="post" action="${ctx.base}/login">
${csrfField(ctx)}
<input type="hidden" name="next" value="${next}">
<p><label>Name<br><input name="name" autocomplete="username" required autofocus></label></p>
<p><label>Password<br><input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Log in</button></p>
</form>`,
  );
}

export interface QueueQuery {
  policy: string;
  forum: string;
  olderThanHours: string;
  newerThanHours: string;
}

const statusLine = (message: string | null) => (message === null ? "" : html`<p class="notice" role="status">${message}</p>`);

export function queuePage(
  ctx: PageContext,
  tickets: readonly StoredTicket[],
  query: QueueQuery,
  policyIds: readonly string[],
  now: number,
  message: string | null,
): SafeHtml {
  const rows = tickets.map(
    ({ ticket }) => html`<tr data-row>
<td>${age(now - ticket.createdAt)}</td>
<td>${ticket.post.forumId}</td>
<td>${ticket.verdicts.map((v) => v.policyId).join(", ")}</td>
<td>${ticket.stage}</td>
<td><a href="${ticketPath(ctx.base, ticket.ticketId)}">${ticket.post.text.slice(0, 120)}${ticket.post.text.length > 120 ? "…" : ""}</a></td>
</tr>`,
  );
  return layout(
    ctx,
    "Open tickets",
    html`${statusLine(message)}
<h1>Open tickets <span class="muted">(${tickets.length})</span></h1>
<form class="filters" method="get" action="${ctx.base}/tickets">
<label>Policy <select name="policy"><option value="">any</option>${policyIds.map((id) => html`<option value="${id}"${id === query.policy ? html` selected` : ""}>${id}</option>`)}</select></label>
<label>Forum <input name="forum" value="${query.forum}" size="12"></label>
<label>Older than (hours) <input name="olderThanHours" value="${query.olderThanHours}" inputmode="decimal" size="5"></label>
<label>Newer than (hours) <input name="newerThanHours" value="${query.newerThanHours}" inputmode="decimal" size="5"></label>
<button type="submit">Filter</button>
</form>
${
  tickets.length === 0
    ? html`<p class="notice">No open tickets match.</p>`
    : html`<table>
<thead><tr><th>Age</th><th>Forum</th><th>Policies</th><th>Stage</th><th>Post</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
}
<p class="muted"><kbd>j</kbd>/<kbd>k</kbd> move, <kbd>o</kbd> open</p>`,
  );
}

const actionLabel: Record<Action, string> = { ALLOW: "shown", HIDE: "hidden", BANNER: "shown under a crisis-line banner", REVIEW: "left as it is" };

function policyActions(onViolate: string, page: boolean): string {
  return `${onViolate}${page ? " + page" : ""}`;
}

export function ticketPage(ctx: PageContext, view: TicketView, now: number, message: string | null): SafeHtml {
  const { ticket, closing } = view.stored;
  const { post } = ticket;
  const findings = view.findings.map(
    (f) => html`<tr>
<td><strong>${f.verdict.policyId}</strong>${f.title === null ? html`<br><span class="muted">not loaded in the console</span>` : html`<br><span class="muted">${f.title}</span>`}</td>
<td class="${f.verdict.decision}">${f.verdict.decision}</td>
<td>${(f.verdict.confidence * 100).toFixed(1)} %${f.verdict.escalate ? html`<br><span class="muted">unsure</span>` : ""}</td>
<td>${f.rules.length === 0 ? html`<span class="muted">none</span>` : f.rules.map((r) => html`<div><strong>${r.id}</strong> ${r.text === null ? html`<span class="muted">(no text in the loaded policy)</span>` : r.text}</div>`)}</td>
<td>${f.verdict.rationale || html`<span class="muted">none</span>`}</td>
<td>${policyActions(f.verdict.onViolate, f.verdict.page)}</td>
<td><code>${f.verdict.policyVersion}</code>${f.loadedVersion === null ? "" : html`<br><span class="muted">file now <code>${f.loadedVersion}</code></span>`}</td>
</tr>`,
  );
  const reasoning =
    view.reasoning.length === 0
      ? html`<p class="muted">No reasoning recorded for this post (the model wrote none, or it has expired from the console's store).</p>`
      : view.reasoning.map(
          (block) => html`<section class="reasoning-block" data-stage="${block.stage}">
<h3>${block.stage} <span class="muted">${block.modelId ?? ""} · ${when(block.createdAt)}${block.source === "ticket" ? " · from the ticket" : ""}</span></h3>
${block.entries.map(
  (e) => html`<p class="muted">${e.policyId} <code>${e.policyVersion}</code>${e.error === null ? "" : html` · <span class="violate">${e.error}</span>`}</p>
<div class="reasoning">${e.reasoning === "" ? html`<span class="muted">(empty)</span>` : e.reasoning}</div>`,
)}
</section>`,
        );
  const answer =
    closing === null
      ? html`<h2>Your answer</h2>
<form class="answer" method="post" action="${ticketPath(ctx.base, ticket.ticketId)}/confirm">
${csrfField(ctx)}
<label>Note (optional, kept in the moderator log) <textarea name="note" maxlength="2000" data-shortcut="n"></textarea></label>
<div class="buttons">
<button type="submit" data-shortcut="c">Confirm <kbd>c</kbd></button>
<button type="submit" formaction="${ticketPath(ctx.base, ticket.ticketId)}/overturn" data-shortcut="x">Overturn <kbd>x</kbd></button>
<button type="submit" formaction="${ticketPath(ctx.base, ticket.ticketId)}/appeal" data-shortcut="a">Re-run at the escalation tier <kbd>a</kbd></button>
</div>
<p class="muted">Confirm: the post is ${actionLabel[view.answers.confirm]}. Overturn: the post is ${actionLabel[view.answers.overturn]}. A moderator's decision is final for the models.</p>
</form>`
      : html`<p class="notice" data-closed>Closed: <strong>${closing.outcome}</strong> by ${closing.by}, ${when(closing.at)}${closing.note === "" ? "" : html` — “${closing.note}”`}.</p>`;
  return layout(
    ctx,
    `Ticket ${post.id}`,
    html`<p><a href="${ctx.base}/tickets" data-shortcut="u">← Queue</a> <span class="muted"><kbd>u</kbd> · <kbd>?</kbd> shortcuts</span></p>
<p id="shortcuts" class="notice" hidden><kbd>c</kbd> confirm · <kbd>x</kbd> overturn · <kbd>a</kbd> re-run (appeal) · <kbd>n</kbd> note · <kbd>u</kbd> queue · <kbd>Esc</kbd> leave the note</p>
${statusLine(message)}
<h1>Post ${post.id} <span class="muted">in ${post.forumId}, by ${post.authorId}, ${age(now - post.createdAt)} ago</span></h1>
<p class="muted">Ticket <code>${ticket.ticketId}</code> · ${ticket.stage} · ${ticket.reason} · raised ${when(ticket.createdAt)} · policy set <code>${ticket.policySetVersion || "unknown"}</code></p>
<div class="post" dir="auto" data-post>${highlightedText(post.text, view.hits)}</div>
${view.hitsNote === null ? "" : html`<p class="muted">${view.hitsNote}</p>`}
<h2>Verdicts</h2>
<table>
<thead><tr><th>Policy</th><th>Verdict</th><th>Confidence</th><th>Rules</th><th>Rationale</th><th>On violate</th><th>Version</th></tr></thead>
<tbody>
${findings}
</tbody>
</table>
<h2>The model's reasoning</h2>
${reasoning}
${answer}`,
  );
}
