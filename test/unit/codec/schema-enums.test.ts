import { STAGES, type Action, type RecordKind } from "@arbiter/shared/codec/records.js";
import { ShippedSchemas } from "@arbiter/shared/codec/shipped-schemas.js";
import { POLICY_ACTIONS } from "@arbiter/shared/policy/policy.js";
import { VERDICT_DECISIONS } from "@arbiter/shared/policy/verdict-decision.js";

// The Avro schemas are data, written by hand: these tests keep their enums equal to the one
// TypeScript definition of each, so a new member cannot reach the code without a new schema version.

const registry = ShippedSchemas.load();
const kinds: readonly RecordKind[] = ["post", "decision", "audit", "escalation", "ticket", "appeal", "deadLetter"];

/** The symbols of every enum named `name` in the newest schema of each kind, by kind. */
function newestEnums(name: string): Map<RecordKind, string[]> {
  const found = new Map<RecordKind, string[]>();
  const walk = (node: unknown, kind: RecordKind): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, kind));
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    if (record["type"] === "enum" && typeof record["name"] === "string" && record["name"].split(".").pop() === name)
      found.set(kind, record["symbols"] as string[]);
    Object.values(record).forEach((n) => walk(n, kind));
  };
  for (const kind of kinds) walk(registry.version(kind).type.schema(), kind);
  return found;
}

// Action has no runtime list; this record is checked against the union by the compiler.
const ACTIONS = Object.keys({ ALLOW: true, HIDE: true, REVIEW: true, BANNER: true } satisfies Record<Action, true>);

test.each([
  ["PolicyAction", [...POLICY_ACTIONS], ["decision", "escalation", "ticket"]],
  ["VerdictDecision", [...VERDICT_DECISIONS], ["decision", "audit", "escalation", "ticket"]],
  ["Action", ACTIONS, ["decision"]],
  ["Stage", [...STAGES], ["decision", "audit", "ticket"]],
])("the newest schemas' %s enum is the TypeScript one", (name, symbols, expectedKinds) => {
  const enums = newestEnums(name);
  expect([...enums.keys()].sort()).toEqual([...expectedKinds].sort());
  for (const [kind, found] of enums) expect({ kind, symbols: found }).toEqual({ kind, symbols });
});
