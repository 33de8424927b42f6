import { recordSchema } from "@arbiter/shared/record/record-settings.js";
import { auditRows, decisionRow, postRow, searchConfigs, textSearchConfig } from "@arbiter/shared/record/record-rows.js";
import { RecordStoreError } from "@arbiter/shared/record/errors/record-store-error.js";
import { renderSearchTable } from "@arbiter/shared/record/search-table.js";
import { decisionFor, ticketFor, verdict } from "../../support/decisions.js";

const search = recordSchema.parse({}).search;

test("a post's text is indexed in its language's configuration, a region or unknown language falling back to the default", () => {
  expect(textSearchConfig("de", search)).toBe("german");
  expect(textSearchConfig("pt-BR", search)).toBe("portuguese");
  expect(textSearchConfig("EN_gb", search)).toBe("english");
  expect(textSearchConfig("xx", search)).toBe("english");
  expect(textSearchConfig(null, search)).toBe("english");
  expect(textSearchConfig("fr", { ...search, defaultConfig: "simple", languages: {} })).toBe("simple");
  expect(postRow({ ...ticketFor("p").post, language: "fr" }, search)).toMatchObject({ post_id: "p", ts_config: "french" });
  // A search asks every configuration a row may have been indexed with, once each.
  expect(searchConfigs({ ...search, defaultConfig: "simple", languages: { en: "english", gb: "english" } })).toEqual(["english", "simple"]);
});

test("a decision row lists each verdict's policy, version and id@version once, and its rationales one a line", () => {
  const decision = decisionFor("p1", "HIDE", "human", {
    verdicts: [
      verdict("fake-reviews", "violate", { policyVersion: "3", rationale: "Refund for a screenshot." }),
      verdict("spam", "allow", { policyVersion: "3", rationale: "" }),
      verdict("cheats", "violate", { policyVersion: "7", rationale: "Sells an aimbot." }),
    ],
  });
  const row = decisionRow({ ...decision, decidedBy: "alice" }, search);
  expect(row).toMatchObject({
    decision_id: decision.decisionId,
    policies: ["fake-reviews", "spam", "cheats"],
    policy_versions: ["3", "7"],
    policy_refs: ["fake-reviews@3", "spam@3", "cheats@7"],
    decided_by: "alice",
    rationale: "Refund for a screenshot.\nSells an aimbot.",
    ts_config: "english",
  });
  expect(row.decided_at.getTime()).toBe(decision.decidedAt);
  expect(JSON.parse(row.verdicts)).toEqual(decision.verdicts);
  // A decision before decision v3 has no decidedBy at all.
  const { decidedBy: _, ...older } = decision;
  expect(decisionRow(older, search).decided_by).toBeNull();
});

test("an audit record is one row per policy, the last entry of a policy read twice winning", () => {
  const entry = {
    policyId: "a",
    policyVersion: "1",
    reasoning: "first",
    promptTokens: 1,
    generatedTokens: 2,
    latencyMs: 3.6,
    error: null,
    decision: null,
    ruleIds: [],
    confidence: null,
  };
  const rows = auditRows(
    {
      decisionId: "d",
      postId: "p",
      stage: "primary",
      modelId: "m",
      createdAt: 5,
      sampled: false,
      entries: [entry, { ...entry, policyId: "b" }, { ...entry, reasoning: "again" }],
    },
    search,
  );
  expect(rows.map((r) => [r.policy_id, r.reasoning, r.latency_ms])).toEqual([
    ["a", "again", 4],
    ["b", "first", 4],
  ]);
});

test("a write PostgreSQL refused for its data is not retried; a dropped connection or a restart is", () => {
  expect(new RecordStoreError("w", Object.assign(new Error("bad"), { code: "22P02" })).retriable).toBe(false);
  expect(new RecordStoreError("w", Object.assign(new Error("dup"), { code: "23505" })).retriable).toBe(false);
  expect(new RecordStoreError("w", Object.assign(new Error("shutdown"), { code: "57P01" })).retriable).toBe(true);
  expect(new RecordStoreError("w", Object.assign(new Error("refused"), { code: "ECONNREFUSED" })).retriable).toBe(true);
  expect(new RecordStoreError("w", new Error("timeout")).sqlState).toBeUndefined();
});

test("the search table puts one hit on a line, with no control character of a rationale", () => {
  const text = renderSearchTable([
    {
      decisionId: "d",
      postId: "p1",
      forumId: "f",
      action: "HIDE",
      stage: "primary",
      policies: ["fake-reviews"],
      policyRefs: ["fake-reviews@3"],
      decidedAt: Date.UTC(2026, 11, 1, 10),
      decidedBy: null,
      rationale: "Refund\nfor a \u001b[31mscreenshot",
      matched: ["post", "rationale"],
    },
  ]);
  const lines = text.trimEnd().split("\n");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toMatch(/^2026-12-01T10:00:00Z\s+HIDE\s+primary\s+p1\s+fake-reviews@3\s+-\s+post,rationale\s+Refund for a\s+\[31mscreenshot$/);
  expect(renderSearchTable([])).toBe("no decisions found\n");
});
