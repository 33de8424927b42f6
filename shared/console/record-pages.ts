import { STAGES } from "../codec/records.js";
import type { PostHistory } from "../record/record-store.js";
import type { SearchHit } from "../record/record-search.js";
import { html, type SafeHtml } from "../html/safe-html.js";
import { layout, type PageContext } from "./console-pages.js";

// The store of record in the console: a search page and a post's history. Everything shown is
// escaped by `html`; the server shows only posts of forums the moderator acts on.

export interface RecordQuery {
  q: string;
  policy: string;
  action: string;
  stage: string;
  forum: string;
  moderator: string;
  sinceDays: string;
}

export const postHistoryPath = (base: string, postId: string) => `${base}/record/posts/${encodeURIComponent(postId)}`;

const when = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");

const ACTIONS = ["", "ALLOW", "HIDE", "REVIEW", "BANNER"];
const STAGE_CHOICES = ["", ...STAGES];

const select = (name: string, values: readonly string[], chosen: string) =>
  html`<select name="${name}">${values.map((v) => html`<option value="${v}"${v === chosen ? html` selected` : ""}>${v || "any"}</option>`)}</select>`;

export function recordSearchPage(ctx: PageContext, query: RecordQuery, hits: readonly SearchHit[] | null, problem: string | null): SafeHtml {
  return layout(
    ctx,
    "Search decisions",
    html`<h1>Search decisions</h1>
<form class="filters" method="get" action="${ctx.base}/record/search" role="search">
<label>Words <input name="q" value="${query.q}" size="28" autofocus></label>
<label>Policy <input name="policy" value="${query.policy}" size="12"></label>
<label>Action ${select("action", ACTIONS, query.action)}</label>
<label>Stage ${select("stage", STAGE_CHOICES, query.stage)}</label>
<label>Forum <input name="forum" value="${query.forum}" size="10"></label>
<label>Moderator <input name="moderator" value="${query.moderator}" size="10"></label>
<label>Last (days) <input name="sinceDays" value="${query.sinceDays}" inputmode="decimal" size="4"></label>
<button type="submit">Search</button>
</form>
${problem === null ? "" : html`<p class="notice error" role="alert">${problem}</p>`}
${
  hits === null
    ? ""
    : hits.length === 0
      ? html`<p class="notice">No decisions match.</p>`
      : html`<table>
<thead><tr><th>Decided</th><th>Action</th><th>Stage</th><th>Forum</th><th>Policies</th><th>Moderator</th><th>Matched</th><th>Rationale</th></tr></thead>
<tbody>
${hits.map(
  (h) => html`<tr data-hit>
<td><a href="${postHistoryPath(ctx.base, h.postId)}">${when(h.decidedAt)}</a></td>
<td>${h.action}</td>
<td>${h.stage}</td>
<td>${h.forumId}</td>
<td>${h.policyRefs.join(", ")}</td>
<td>${h.decidedBy ?? ""}</td>
<td>${h.matched.join(", ")}</td>
<td>${h.rationale.slice(0, 200)}</td>
</tr>`,
)}
</tbody>
</table>`
}`,
  );
}

export function postHistoryPage(ctx: PageContext, postId: string, history: PostHistory): SafeHtml {
  const { post } = history;
  return layout(
    ctx,
    `Post ${postId}`,
    html`<h1>Post <code>${postId}</code></h1>
${
  post === null
    ? html`<p class="notice">The store has no text of this post (no ticket or appeal brought it).</p>`
    : html`<p class="muted">Forum ${post.forumId} · author ${post.authorId} · ${post.language ?? "language unknown"} · ${when(post.createdAt)}</p>
<blockquote class="post-text">${post.text}</blockquote>`
}
<h2>Decisions</h2>
${history.decisions.map(
  (d) => html`<section class="decision" data-stage="${d.stage}">
<h3>${d.stage}: ${d.action} <span class="muted">${when(d.decidedAt)}${d.decidedBy ? html` · by ${d.decidedBy}` : ""}${d.modelId ? html` · ${d.modelId}` : ""}</span></h3>
<ul>${d.verdicts.map((v) => html`<li>${v.policyId}@${v.policyVersion}: ${v.decision} (${v.confidence.toFixed(2)}, ${v.source})${v.rationale ? html` — ${v.rationale}` : ""}</li>`)}</ul>
${d.reasoning.map(
  (r) => html`<details class="reasoning"><summary>Reasoning · ${r.policyId}@${r.policyVersion}${r.verdict ? html` · ${r.verdict}` : ""}</summary>
<pre>${r.error ?? r.reasoning}</pre></details>`,
)}
</section>`,
)}
${
  history.appeals.length === 0
    ? ""
    : html`<h2>Appeals</h2>
<ul>${history.appeals.map((a) => html`<li data-appeal>${when(a.requestedAt)} · ${a.requestedBy}${a.note ? html`: ${a.note}` : ""}</li>`)}</ul>`
}
${
  history.tickets.length === 0
    ? ""
    : html`<h2>Tickets</h2>
<ul>${history.tickets.map((t) => html`<li>${when(t.createdAt)} · ${t.stage} · ${t.reason}</li>`)}</ul>`
}`,
  );
}
