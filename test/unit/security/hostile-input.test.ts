// The hostile-input suite (issue 18): random bytes, headers and JSON or Avro posts through the
// worker's record processor (PostProcessor.processBatch, what the classifier runs per chunk),
// with the shipped policy pack's real prefilter and a deterministic engine stand-in on the
// engine seam (EnginePort). Each record gives exactly one outcome: a decision, or a dead letter
// plus, when its post id can be recovered, a decision unread (input.onUnreadable). No throw, and
// a bounded time per post, whose maximum this file prints.
import path from "node:path";
import fc from "fast-check";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import type { PostFormat } from "@arbiter/shared/codec/codec-settings.js";
import type { Decision, Post } from "@arbiter/shared/codec/records.js";
import { FINGERPRINT_HEADER } from "@arbiter/shared/codec/shipped-schemas.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import type { InboundRecord, OutboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { WorkerMetrics } from "@arbiter/shared/observability/metrics.js";
import { PolicyPrefilter } from "@arbiter/shared/pipeline/policy-prefilter.js";
import { PostProcessor } from "@arbiter/shared/pipeline/post-processor.js";
import type { ClassifyRequest, EnginePort, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import type { PolicySet } from "@arbiter/shared/policy/policy-set.js";
import { repoRoot } from "../../support/env.js";

/** Records above this are OVERSIZED: small, so that case is cheap to generate. */
const MAX_RECORD_BYTES = 4096;
/** The bound on one post's processing (screen + stand-in engine + encoding), on a shared, busy machine. */
const MAX_MS_PER_POST = 1000;
const RUNS = Number(process.env.HOSTILE_RUNS ?? 200);
// Printed before the run, so a run that hangs (rather than fails) can be replayed: HOSTILE_SEED=N.
const SEED = Number(process.env.HOSTILE_SEED ?? Date.now() % 2 ** 31);
process.stderr.write(`hostile-input: fast-check seed ${SEED}\n`);

const codecs = createCodecs();

/**
 * A deterministic engine stand-in (no model runs here): violate when the text holds "aimbot",
 * else allow, at a confidence that depends on the text's length only.
 */
class DeterministicEngineStandIn implements EnginePort {
  readonly modelId = "deterministic-stand-in";
  calls = 0;
  classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    this.calls++;
    const violate = request.postText.toLowerCase().includes("aimbot");
    return Promise.resolve(
      request.policies.map((p) => ({
        policyId: p.id,
        policyVersion: p.version,
        decision: violate ? ("violate" as const) : ("allow" as const),
        ruleIds: violate && p.ruleIds[0] ? [p.ruleIds[0]] : [],
        rationale: "stand-in",
        confidence: 0.5 + (request.postText.length % 50) / 100,
        reasoning: "",
        promptTokens: 1,
        generatedTokens: 1,
        latencyMs: 0,
      })),
    );
  }
  queue() {
    return { depth: 0, capacity: 1, inFlight: 0, sequences: 1 };
  }
}

let policies: PolicySet;
beforeAll(async () => {
  policies = await loadPolicySet(path.join(repoRoot, "config/policies"));
});

function processorFor(format: PostFormat, engine: EnginePort) {
  const config = loadConfig({ input: { format, maxRecordBytes: MAX_RECORD_BYTES }, pipeline: { screenThreads: 0 } }, {});
  const processor = new PostProcessor({
    codecs,
    topics: config.kafka.topics,
    input: config.input,
    pipeline: config.pipeline,
    engine,
    prefilter: new PolicyPrefilter(policies, { maxModelChars: config.pipeline.maxModelChars, defaultEffort: "low" }),
    cache: null,
    metrics: new WorkerMetrics(),
    logger: silentLogger,
  });
  return { processor, topics: config.kafka.topics };
}

// ---------------------------------------------------------------------------------------------
// Generators.

/** A usable post id (the record key, when a record has one). */
const goodId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
const words = fc.constantFrom("aimbot", "good game", "kill yourself", "buy now", "5 star review", "hello", "外挂", "\u202e", "\u{e0041}", "idiot", " ");
const text = fc.oneof(
  fc.array(words, { maxLength: 12 }).map((w) => w.join(" ")),
  fc.string({ maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.constant(""),
  fc.constant("aimbot ".repeat(700)), // oversized as JSON
);
const anything = fc.anything({ maxDepth: 2, maxKeys: 4, withNullPrototype: true });
const createdAt = fc.oneof(
  fc.integer({ min: 0, max: 2_000_000_000_000 }),
  fc.constant(1.5),
  fc.double(),
  fc.constant(-1),
  fc.constant(2 ** 60),
  fc.constant("2026-01-02T03:04:05Z"),
  fc.string({ maxLength: 10 }),
  anything,
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** A JSON post a producer would send: every field sound (its text may still be blank or too long). */
const soundJsonPost = fc.record(
  {
    id: goodId,
    forumId: fc.constantFrom("gaming", "general", "reviews"),
    authorId: goodId,
    text: fc.array(words, { minLength: 1, maxLength: 12 }).map((w) => w.join(" ")),
    language: fc.constantFrom("en", "de", null),
    createdAt: fc.oneof(fc.integer({ min: 0, max: 2_000_000_000_000 }), fc.constant("2026-01-02T03:04:05Z")),
    metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
    threadId: fc.option(goodId, { nil: null }),
  },
  { requiredKeys: ["id", "text"] },
);

/** A JSON post whose fields are as often of the wrong type or out of range as not. */
const wildJsonPost = fc.record(
  {
    id: fc.oneof(goodId, goodId, fc.string({ maxLength: 600 }), anything),
    forumId: maybe(fc.oneof(fc.constantFrom("gaming", "general", "reviews"), anything)),
    authorId: maybe(fc.oneof(goodId, anything)),
    text: fc.oneof(text, text, text, anything),
    language: maybe(fc.oneof(fc.constantFrom("en", "de"), fc.string({ maxLength: 80 }), anything)),
    createdAt: maybe(createdAt),
    metadata: maybe(fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), anything)),
    threadId: maybe(fc.oneof(goodId, anything)),
  },
  { requiredKeys: [] },
);
const jsonPost = fc.oneof({ arbitrary: soundJsonPost, weight: 2 }, { arbitrary: wildJsonPost, weight: 2 });

/** Arbiter's Avro post (right types: Avro cannot hold 1.5 as a long), sometimes cut short or with a byte changed. */
const avroPost = fc
  .record({
    id: fc.oneof({ arbitrary: goodId, weight: 4 }, fc.string({ maxLength: 600 }), fc.constant("")),
    forumId: fc.constantFrom("gaming", "general", ""),
    authorId: fc.string({ maxLength: 10 }),
    text: fc.oneof(
      fc.array(words, { minLength: 1, maxLength: 12 }).map((w) => w.join(" ")),
      text,
    ),
    language: fc.option(fc.string({ maxLength: 80 }), { nil: null }),
    createdAt: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 2_000_000_000_000 }), weight: 4 },
      fc.integer({ min: -1000, max: -1 }),
      fc.constant(8_640_000_000_000_001),
    ),
    metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
    threadId: fc.option(goodId, { nil: null }),
  })
  .chain((post: Post) => {
    const encoded = codecs.post.encode(post);
    return fc.oneof(
      { arbitrary: fc.constant(encoded.value), weight: 3 },
      fc.nat({ max: Math.max(0, encoded.value.length - 1) }).map((n) => encoded.value.subarray(0, n)),
      fc.tuple(fc.nat({ max: encoded.value.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
        const copy = Buffer.from(encoded.value);
        copy[at] = byte;
        return copy;
      }),
    );
  });

const headerValue = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
  fc.constant(null),
  fc.array(
    fc.uint8Array({ maxLength: 10 }).map((b) => Buffer.from(b)),
    { maxLength: 3 },
  ),
);
/** Random headers, with the post schema's fingerprint (right, wrong or missing) among them. */
const headers = fc
  .tuple(
    fc.dictionary(fc.string({ maxLength: 12 }), headerValue, { maxKeys: 4 }),
    fc.oneof(
      { arbitrary: fc.constant(codecs.post.writer.fingerprint), weight: 4 },
      fc.constant("00".repeat(32)),
      fc.constant(undefined),
      fc.string({ maxLength: 64 }),
    ),
  )
  .map(([h, fp]) => {
    const out: InboundRecord["headers"] = {};
    for (const [k, v] of Object.entries(h)) if (k !== FINGERPRINT_HEADER) out[k] = v;
    if (fp !== undefined) out[FINGERPRINT_HEADER] = Buffer.from(fp);
    return out;
  });

interface Generated {
  value: Buffer | null;
  /** A usable post id, or null: no key. */
  key: string | null;
  headers: InboundRecord["headers"];
}

/** Records for a worker reading `format`: mostly posts in that format, sound or not, then anything else. */
function hostileRecord(format: PostFormat): fc.Arbitrary<Generated> {
  const json = jsonPost.map((p) => Buffer.from(JSON.stringify(p) ?? "null"));
  const [own, other] = format === "json" ? [json, avroPost] : [avroPost, json];
  return fc.record({
    value: fc.oneof(
      { arbitrary: own, weight: 12 },
      { arbitrary: other, weight: 1 },
      { arbitrary: fc.uint8Array({ maxLength: 5000 }).map((b) => Buffer.from(b)), weight: 1 },
      { arbitrary: fc.constantFrom(null, Buffer.alloc(0)), weight: 1 },
    ),
    key: fc.option(goodId, { nil: null }),
    headers,
  });
}

const toRecords = (generated: readonly Generated[]): InboundRecord[] =>
  generated.map((g, i) => ({
    topic: "posts",
    partition: 0,
    offset: String(i),
    key: g.key === null ? null : Buffer.from(g.key),
    value: g.value,
    headers: g.headers,
  }));

// ---------------------------------------------------------------------------------------------
// The one-outcome rule.

interface Outcome {
  deadLetters: number;
  decisions: Decision[];
  tickets: number;
}

function outcomeOf(outputs: readonly OutboundRecord[], topics: { dlq: string; decisions: string; tickets: string }): Outcome {
  const outcome: Outcome = { deadLetters: 0, decisions: [], tickets: 0 };
  for (const out of outputs) {
    if (out.topic === topics.dlq) outcome.deadLetters++;
    else if (out.topic === topics.decisions) outcome.decisions.push(codecs.decision.decode(out.value, out.headers));
    else if (out.topic === topics.tickets) outcome.tickets++;
  }
  return outcome;
}

/** Exactly one outcome for the record: a decision of a post read, or a dead letter (+ a REVIEW decision unread and its ticket when the post id can be recovered). */
function expectOneOutcome(record: InboundRecord, outcome: Outcome): void {
  if (outcome.deadLetters === 0) {
    expect(outcome.decisions).toHaveLength(1);
    expect(outcome.decisions[0]!.unreadable).toBeNull();
    expect(outcome.decisions[0]!.postId).not.toBe("");
    return;
  }
  expect(outcome.deadLetters).toBe(1);
  // A record with a usable key always has an id to key a decision on; without one, only a JSON value that names its id does.
  if (record.key !== null) expect(outcome.decisions).toHaveLength(1);
  else expect(outcome.decisions.length).toBeLessThanOrEqual(1);
  for (const decision of outcome.decisions) {
    expect(decision.action).toBe("REVIEW");
    expect(decision.unreadable).toMatch(/^(decode|process): /);
    expect(outcome.tickets).toBe(1);
  }
  if (outcome.decisions.length === 0) expect(outcome.tickets).toBe(0);
}

async function outputsOf(processor: PostProcessor, records: readonly InboundRecord[]): Promise<OutboundRecord[][]> {
  const signal = new AbortController().signal;
  const results = await processor.processBatch(records, signal);
  expect(results).toHaveLength(records.length);
  return Promise.all(results.map((r) => (r.kind === "ready" ? r.outputs : r.run(signal))));
}

const stats = { cases: 0, posts: 0, maxMsPerPost: 0, deadLetters: 0, unreadDecisions: 0, toModel: 0 };
afterAll(() => {
  process.stdout.write(
    `hostile-input: ${stats.cases} cases, ${stats.posts} records (${stats.deadLetters} dead letters, ${stats.unreadDecisions} decided unread, ` +
      `${stats.toModel} model calls); max time per post ${stats.maxMsPerPost.toFixed(1)} ms (bound ${MAX_MS_PER_POST} ms)\n`,
  );
});

describe.each<PostFormat>(["json", "avro"])("input.format %s", (format) => {
  test("every hostile record alone gives exactly one outcome, never a throw, in bounded time", async () => {
    const engine = new DeterministicEngineStandIn();
    const { processor, topics } = processorFor(format, engine);
    await fc.assert(
      fc.asyncProperty(hostileRecord(format), async (generated) => {
        const [record] = toRecords([generated]);
        const started = performance.now();
        const [outputs] = await outputsOf(processor, [record!]);
        const ms = performance.now() - started;
        const outcome = outcomeOf(outputs!, topics);
        expectOneOutcome(record!, outcome);
        expect(ms).toBeLessThan(MAX_MS_PER_POST);
        stats.cases++;
        stats.posts++;
        stats.maxMsPerPost = Math.max(stats.maxMsPerPost, ms);
        stats.deadLetters += outcome.deadLetters;
        stats.unreadDecisions += outcome.decisions.filter((d) => d.unreadable !== null).length;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    stats.toModel += engine.calls;
    // The generators reach every path: the model, the prefilter, dead letters.
    expect(engine.calls).toBeGreaterThan(0);
  }, 300_000);

  test("in a chunk, each record's outcome is its own: a bad record never costs another its decision", async () => {
    const engine = new DeterministicEngineStandIn();
    const { processor, topics } = processorFor(format, engine);
    await fc.assert(
      fc.asyncProperty(fc.array(hostileRecord(format), { minLength: 2, maxLength: 8 }), async (generated) => {
        const records = toRecords(generated);
        const chunk = await outputsOf(processor, records);
        const alone = await Promise.all(records.map(async (r) => (await outputsOf(processor, [r]))[0]!));
        records.forEach((record, i) => {
          const outcome = outcomeOf(chunk[i]!, topics);
          expectOneOutcome(record, outcome);
          // The same outcome as the record gets alone (decisions carry the clock: compare what they say).
          const said = (o: Outcome) => ({ ...o, decisions: o.decisions.map((d) => `${d.postId}:${d.action}:${d.stage}:${d.unreadable ?? ""}`) });
          expect(said(outcome)).toEqual(said(outcomeOf(alone[i]!, topics)));
        });
        stats.cases++;
      }),
      { numRuns: Math.ceil(RUNS / 5), seed: SEED },
    );
  }, 300_000);
});

test("JSON: a chunk with createdAt 1.5 among good posts: each good post decided, the bad one dead-lettered and decided REVIEW unread", async () => {
  const { processor, topics } = processorFor("json", new DeterministicEngineStandIn());
  const posts = [
    { id: "good-1", forumId: "gaming", text: "good game everyone", createdAt: 1_700_000_000_000 },
    { id: "good-2", forumId: "gaming", text: "selling a private aimbot, dm me", createdAt: 1_700_000_000_001 },
    { id: "bad-1", forumId: "gaming", text: "hello", createdAt: 1.5 },
    { id: "good-3", forumId: "general", text: "lovely weather", createdAt: 1_700_000_000_002 },
  ];
  const records = toRecords(posts.map((p) => ({ value: Buffer.from(JSON.stringify(p)), key: p.id, headers: {} })));
  const outcomes = (await outputsOf(processor, records)).map((o) => outcomeOf(o, topics));
  expect(outcomes.map((o) => o.deadLetters)).toEqual([0, 0, 1, 0]);
  expect(outcomes.map((o) => o.decisions.map((d) => d.postId))).toEqual([["good-1"], ["good-2"], ["bad-1"], ["good-3"]]);
  expect(outcomes[1]!.decisions[0]!.action).toBe("HIDE");
  const unread = outcomes[2]!.decisions[0]!;
  expect(unread).toMatchObject({ action: "REVIEW", stage: "primary", forumId: "gaming", postCreatedAt: 0 });
  expect(unread.unreadable).toMatch(/^decode: DecodeError:INVALID_RECORD: post field "createdAt"/);
  expect(outcomes[2]!.tickets).toBe(1);
});

test("input.onUnreadable HIDE: the unread decision hides, and raises no ticket", async () => {
  const config = loadConfig({ input: { format: "json", onUnreadable: "HIDE" } }, {});
  const processor = new PostProcessor({
    codecs,
    topics: config.kafka.topics,
    input: config.input,
    pipeline: config.pipeline,
    engine: new DeterministicEngineStandIn(),
    prefilter: new PolicyPrefilter(policies, { maxModelChars: 8000, defaultEffort: "low" }),
    cache: null,
    metrics: new WorkerMetrics(),
    logger: silentLogger,
  });
  const [outputs] = await outputsOf(processor, toRecords([{ value: Buffer.from("{not json"), key: "k-1", headers: {} }]));
  const outcome = outcomeOf(outputs!, config.kafka.topics);
  expect(outcome).toMatchObject({ deadLetters: 1, tickets: 0 });
  expect(outcome.decisions.map((d) => [d.postId, d.action])).toEqual([["k-1", "HIDE"]]);
});

test("a record with neither a usable key nor a readable id gets its dead letter only", async () => {
  const { processor, topics } = processorFor("avro", new DeterministicEngineStandIn());
  const bad = Buffer.from([0xc3, 0x28]); // a key that is not UTF-8 names no post
  const [outputs] = await outputsOf(processor, [{ topic: "posts", partition: 0, offset: "0", key: bad, value: Buffer.from([1, 2, 3]), headers: {} }]);
  expect(outcomeOf(outputs!, topics)).toEqual({ deadLetters: 1, decisions: [], tickets: 0 });
});
