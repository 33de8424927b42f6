import { thrown } from "../../support/thrown.js";
import { DecodeError } from "@arbiter/shared/codec/errors/decode-error.js";
import { RecordCodec } from "@arbiter/shared/codec/record-codec.js";
import type { Audit, Decision, Escalation, Post, Ticket } from "@arbiter/shared/codec/records.js";
import { FINGERPRINT_HEADER, ShippedSchemas } from "@arbiter/shared/codec/shipped-schemas.js";

const registry = ShippedSchemas.load();
const postV1: Post = {
  id: "p1",
  forumId: "games",
  authorId: "u1",
  text: "selling aimbot keys",
  language: null,
  createdAt: 1_700_000_000_000,
  metadata: { client: "web" },
};

test("a v1 writer's post is read by a v2 reader with the new field defaulted", () => {
  const v1Writer = new RecordCodec(registry, "post", { writer: 1 });
  const v2Reader = new RecordCodec(registry, "post", { reader: 2 });
  const { value, headers } = v1Writer.encode(postV1);
  expect(headers[FINGERPRINT_HEADER]).toBe(registry.version("post", 1).fingerprint);
  expect(v2Reader.decode(value, headers)).toEqual({ ...postV1, threadId: null });
});

test("a v2 writer's post is read by a v1 reader, which drops the field it does not know", () => {
  const v2Writer = new RecordCodec(registry, "post", { writer: 2 });
  const v1Reader = new RecordCodec(registry, "post", { reader: 1 });
  const { value, headers } = v2Writer.encode({ ...postV1, threadId: "t9" });
  const read = v1Reader.decode(value, headers);
  expect(read).toEqual(postV1);
  expect("threadId" in (read as object)).toBe(false);
});

test("writer fingerprints differ between versions", () => {
  expect(registry.version("post", 1).fingerprint).not.toBe(registry.version("post", 2).fingerprint);
});

test("unknown, missing and wrong-kind fingerprints and truncated bytes are typed decode errors", () => {
  const codec = new RecordCodec(registry, "post");
  const { value, headers } = codec.encode({ ...postV1, threadId: null });
  expect(thrown(() => codec.decode(value, { [FINGERPRINT_HEADER]: "00".repeat(32) }), DecodeError).code).toBe("UNKNOWN_FINGERPRINT");
  expect(thrown(() => codec.decode(value, {}), DecodeError).code).toBe("MISSING_FINGERPRINT");
  expect(thrown(() => codec.decode(value.subarray(0, value.length - 5), headers), DecodeError).code).toBe("MALFORMED");
  const decisionFp = registry.version("decision").fingerprint;
  expect(thrown(() => codec.decode(value, { [FINGERPRINT_HEADER]: decisionFp }), DecodeError).code).toBe("UNKNOWN_FINGERPRINT");
});

test("a decision round-trips and its schema has no field for reasoning", () => {
  const codec = new RecordCodec(registry, "decision");
  const decision: Decision = {
    decisionId: "d1",
    postId: "p1",
    forumId: "games",
    action: "HIDE",
    stage: "primary",
    policySetVersion: "0123456789abcdef",
    verdicts: [
      {
        policyId: "cheats",
        policyVersion: "abc",
        decision: "violate",
        ruleIds: ["CH1"],
        confidence: 0.93,
        rationale: "Offers an aimbot.",
        source: "model",
        escalate: false,
        onViolate: "hide",
        page: false,
      },
    ],
    modelId: "gemma",
    effort: "low",
    latencyMs: 12.5,
    truncated: false,
    windowsRead: 2,
    postCreatedAt: 1,
    decidedAt: 2,
    replayId: null,
    ticketId: null,
    appealId: null,
    unreadable: null,
  };
  const { value, headers } = codec.encode(decision);
  expect(codec.decode(value, headers)).toEqual({ ...decision, decidedBy: null });
  const fieldNames = JSON.stringify(registry.version("decision").type.schema());
  expect(fieldNames).not.toMatch(/reasoning|analysis/i);
});

const legacyDecision = {
  decisionId: "primary:set:p1:abc",
  postId: "p1",
  forumId: "games",
  action: "HIDE" as const,
  stage: "primary" as const,
  policySetVersion: "set",
  verdicts: [
    {
      policyId: "cheats",
      policyVersion: "abc",
      decision: "violate" as const,
      ruleIds: ["CH1"],
      confidence: 0.9,
      rationale: "r",
      source: "model" as const,
      escalate: false,
    },
  ],
  modelId: "m",
  effort: "low",
  latencyMs: 1,
  truncated: false,
  postCreatedAt: 1,
  decidedAt: 2,
  replayId: null,
};

test("a v1 decision is read by today's reader: verdicts hide and page no one, no ticket or appeal", () => {
  const v1Writer = new RecordCodec(registry, "decision", { writer: 1 });
  const { value, headers } = v1Writer.encode(legacyDecision as unknown as Decision);
  expect(new RecordCodec(registry, "decision").decode(value, headers)).toEqual({
    ...legacyDecision,
    verdicts: [{ ...legacyDecision.verdicts[0], onViolate: "hide", page: false }],
    ticketId: null,
    appealId: null,
    windowsRead: 0,
    unreadable: null,
    decidedBy: null,
  });
});

test("a v2 decision is read by today's reader with no window read, and a v2 reader drops windowsRead", () => {
  const v2 = {
    ...legacyDecision,
    verdicts: [{ ...legacyDecision.verdicts[0], onViolate: "hide", page: false }],
    ticketId: null,
    appealId: null,
  } as unknown as Decision;
  const fromV2 = new RecordCodec(registry, "decision", { writer: 2 }).encode(v2);
  expect(new RecordCodec(registry, "decision").decode(fromV2.value, fromV2.headers)).toEqual({ ...v2, windowsRead: 0, unreadable: null, decidedBy: null });
  const fromV3 = new RecordCodec(registry, "decision", { writer: 3 }).encode({ ...v2, windowsRead: 3 });
  expect(new RecordCodec(registry, "decision", { reader: 2 }).decode(fromV3.value, fromV3.headers)).toEqual(v2);
});

test("a v3 human decision names its moderator; a v2 decision reads with no one named, and a v2 reader drops the name", () => {
  const human = { ...legacyDecision, stage: "human", modelId: null, ticketId: "t1", appealId: null, decidedBy: "alice" } as unknown as Decision;
  const v3 = new RecordCodec(registry, "decision", { writer: 3 }).encode(human);
  expect(new RecordCodec(registry, "decision").decode(v3.value, v3.headers).decidedBy).toBe("alice");
  expect(new RecordCodec(registry, "decision", { reader: 2 }).decode(v3.value, v3.headers)).not.toHaveProperty("decidedBy");
  const { decidedBy: _, ...v2Decision } = human;
  const v2 = new RecordCodec(registry, "decision", { writer: 2 }).encode(v2Decision as Decision);
  expect(new RecordCodec(registry, "decision").decode(v2.value, v2.headers).decidedBy).toBeNull();
  // Every other stage writes none.
  const model = new RecordCodec(registry, "decision").encode({ ...human, stage: "primary", decidedBy: undefined });
  expect(new RecordCodec(registry, "decision").decode(model.value, model.headers).decidedBy).toBeNull();
});

test("a v4 decision and a v3 audit carry stage second_look; a v3 decision reads as before; a reader without the stage cannot read v4", () => {
  const human = {
    ...legacyDecision,
    stage: "human",
    modelId: null,
    ticketId: "t1",
    appealId: null,
    windowsRead: 0,
    unreadable: null,
    decidedBy: "alice",
  } as unknown as Decision;
  const look = { ...human, stage: "second_look", ticketId: null, decidedBy: null } as Decision;
  const v4 = new RecordCodec(registry, "decision").encode(look);
  expect(new RecordCodec(registry, "decision").writer.version).toBe(4);
  expect(new RecordCodec(registry, "decision").decode(v4.value, v4.headers).stage).toBe("second_look");
  const v3 = new RecordCodec(registry, "decision", { writer: 3 }).encode(human);
  expect(new RecordCodec(registry, "decision").decode(v3.value, v3.headers)).toMatchObject({ stage: "human", decidedBy: "alice" });
  // The enum has no default: readers (sinks, console) are deployed before a worker writes v4.
  expect(() => new RecordCodec(registry, "decision", { reader: 3 }).decode(v4.value, v4.headers)).toThrow(/Stage/);
  const audit: Audit = { decisionId: "d", postId: "p", stage: "second_look", modelId: "m", entries: [], createdAt: 1, sampled: false };
  const encoded = new RecordCodec(registry, "audit").encode(audit);
  expect(new RecordCodec(registry, "audit").decode(encoded.value, encoded.headers)).toEqual(audit);
});

test("a v1 ticket and a v1 audit are read by today's readers with the new fields defaulted", () => {
  const post = { ...postV1, threadId: null };
  const ticketV1 = { ticketId: "t1", post, verdicts: legacyDecision.verdicts, reason: "spam: LOW_CONFIDENCE", createdAt: 3 };
  const ticket = new RecordCodec(registry, "ticket", { writer: 1 }).encode(ticketV1 as unknown as Ticket);
  expect(new RecordCodec(registry, "ticket").decode(ticket.value, ticket.headers)).toEqual({
    ...ticketV1,
    verdicts: [{ ...legacyDecision.verdicts[0], onViolate: "hide", page: false }],
    decisionId: "",
    stage: "escalation",
    policySetVersion: "",
    reasoning: [],
    appealId: null,
  });
  const auditV1 = { decisionId: "d", postId: "p1", stage: "escalation" as const, modelId: null, entries: [], createdAt: 4 };
  const audit = new RecordCodec(registry, "audit", { writer: 1 }).encode({ ...auditV1, sampled: false });
  expect(new RecordCodec(registry, "audit").decode(audit.value, audit.headers)).toEqual({ ...auditV1, sampled: false });
});

test("an escalation keeps each verdict's action and page (escalation v2): a sure banner verdict is still a banner at the escalation tier", () => {
  const escalation: Escalation = {
    escalationId: "e1",
    post: { ...postV1, threadId: null },
    verdicts: [
      { ...legacyDecision.verdicts[0]!, policyId: "self-harm", onViolate: "banner", page: true },
      { ...legacyDecision.verdicts[0]!, policyId: "spam", onViolate: "review", page: false, escalate: true },
    ],
    reason: "LOW_CONFIDENCE",
    detail: "spam",
    policyIds: ["spam"],
    attempts: 0,
    escalatedAt: 5,
  };
  const codec = new RecordCodec(registry, "escalation");
  const { value, headers } = codec.encode(escalation);
  expect(headers[FINGERPRINT_HEADER]).toBe(registry.version("escalation", 2).fingerprint);
  expect(codec.decode(value, headers)).toEqual(escalation);
  // One an older worker wrote (v1) reads with the defaults.
  const old = new RecordCodec(registry, "escalation", { writer: 1 }).encode(escalation);
  expect(codec.decode(old.value, old.headers).verdicts.map((v) => [v.onViolate, v.page])).toEqual([
    ["hide", false],
    ["hide", false],
  ]);
});

test("with a registry schema id a codec writes the Confluent wire format, keeps the fingerprint header, and reads its own records back", () => {
  const framed = new RecordCodec(registry, "post", {}, 0x0a0b0c0d);
  const plain = new RecordCodec(registry, "post");
  const post = { ...postV1, threadId: null };
  const { value, headers } = framed.encode(post);
  expect([...value.subarray(0, 5)]).toEqual([0, 0x0a, 0x0b, 0x0c, 0x0d]);
  expect(Buffer.compare(value.subarray(5), plain.encode(post).value)).toBe(0);
  expect(headers[FINGERPRINT_HEADER]).toBe(plain.writer.fingerprint);
  expect(framed.decode(value, headers)).toEqual(post);
  expect(thrown(() => framed.decode(plain.encode(post).value, headers), DecodeError).message).toMatch(/not in the Confluent wire format/);
});
