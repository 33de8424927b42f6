import path from "node:path";
import type { Worker } from "node:worker_threads";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { FINGERPRINT_HEADER } from "@arbiter/shared/codec/shipped-schemas.js";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import type { InboundRecord, OutboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import type { RecordResult } from "@arbiter/shared/kafka/record-processor.js";
import { ScreenTimeoutError } from "@arbiter/shared/pipeline/errors/screen-timeout-error.js";
import { PolicyPrefilter } from "@arbiter/shared/pipeline/policy-prefilter.js";
import { PostProcessor } from "@arbiter/shared/pipeline/post-processor.js";
import { screenRecord, screenTimedOut, type ScreenResult } from "@arbiter/shared/pipeline/post-screen.js";
import type { EnginePort } from "@arbiter/shared/pipeline/ports.js";
import { ScreenPool, type ScreenPoolOptions } from "@arbiter/shared/pipeline/screen-pool.js";
import { WorkerMetrics } from "@arbiter/shared/observability/metrics.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { PolicySet } from "@arbiter/shared/policy/policy-set.js";
import { repoRoot } from "../../support/env.js";

// Records up to 16 MiB, so ENDLESS is read and screened rather than dead-lettered as oversized.
const config = loadConfig({ input: { maxRecordBytes: 16 * 1024 * 1024 } }, {});
const codecs = createCodecs();
const policiesDir = path.join(repoRoot, "config/policies");

function record(offset: number, id: string, forumId: string, text: string, headers?: InboundRecord["headers"]): InboundRecord {
  const encoded = codecs.post.encode({ id, forumId, authorId: "a", text, language: null, createdAt: 1, metadata: {}, threadId: null });
  return { topic: "posts", partition: 0, offset: String(offset), key: Buffer.from(id), value: encoded.value, headers: headers ?? encoded.headers };
}

function startPool(set: PolicySet, options?: ScreenPoolOptions, size = 1): Promise<ScreenPool> {
  const init = {
    policies: [...set.policies],
    policySetVersion: set.version,
    maxModelChars: config.pipeline.maxModelChars,
    input: config.input,
    topics: config.kafka.topics,
  };
  return ScreenPool.start(size, init, silentLogger, options);
}

/** What a result says, without the clock-dependent parts. */
function essence(result: ScreenResult): unknown {
  if (result.kind === "to-model")
    return { kind: result.kind, id: result.post.id, toModel: result.toModel, policyIds: result.policyIds, cacheText: result.cacheText };
  return {
    kind: result.kind,
    records: result.records.map((r) => {
      expect(Buffer.isBuffer(r.value)).toBe(true);
      if (r.topic === config.kafka.topics.dlq) {
        const { firstSeenAt: _f, ...letter } = codecs.deadLetter.decode(r.value, r.headers);
        return { topic: r.topic, key: r.key?.toString(), letter: { ...letter, value: letter.value?.toString("hex") } };
      }
      if (r.topic === config.kafka.topics.tickets) {
        const { createdAt: _c, ...ticket } = codecs.ticket.decode(r.value, r.headers);
        return { topic: r.topic, key: r.key?.toString(), ticket };
      }
      const { decidedAt: _d, latencyMs: _l, ...decision } = codecs.decision.decode(r.value, r.headers);
      return { topic: r.topic, key: r.key?.toString(), decision };
    }),
  };
}

/**
 * The default pack plus a policy whose regex is slow on long runs of "a" and "b" in random
 * order: policy regexes run on a linear-time engine, but `a[ab]{200}c` is a large automaton
 * that the engine runs as an NFA (its DFA would need too many states), at several µs a
 * character. A post that keeps a screen thread busy for as long as a test needs, with no hook
 * in the production code. It never matches (no "c"), so every post is ALLOWed.
 */
async function slowRegexSet(): Promise<PolicySet> {
  const base = await loadPolicySet(policiesDir);
  const slow = {
    ...base.policies[0]!,
    id: "slow-regex",
    version: "0123456789abcdef",
    forums: ["*"],
    keywords: [],
    signals: [],
    targets: [],
    regexes: ["a[ab]{200}c"],
    prefilter: "keywords" as const,
  };
  return new PolicySet([...base.policies, slow]);
}
/** `n` characters of "a" and "b" in a fixed pseudo-random order. */
function busyFor(n: number): string {
  let x = 7;
  let s = "";
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += (x >> 16) & 1 ? "a" : "b";
  }
  return s;
}
/** Some 0.1–0.5 s on a core here, depending on the load. */
const SLOW = busyFor(30_000);
/**
 * Tens of seconds even on a fast, idle core: far longer than any timeout here. (600,000 characters
 * once took 2–10 s, and an idle CI machine finished it inside the 2 s timeout of the hang test.)
 */
const ENDLESS = busyFor(600_000).repeat(10);

function mixedChunk(slowText: string): InboundRecord[] {
  return [
    record(0, "ok-1", "gaming", "good game everyone, see you tomorrow"),
    record(1, "slow", "gaming", slowText),
    record(2, "ok-2", "general", "lovely weather here today"),
    record(3, "bad-fp", "gaming", "hello", { [FINGERPRINT_HEADER]: "00".repeat(32) }),
  ];
}

async function replacementOf(pool: ScreenPool, old: Worker): Promise<Worker> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const next = pool.threads.find((t) => t !== old);
    if (next && pool.threads.length === pool.size) return next;
    if (Date.now() > deadline) throw new Error("no replacement thread within 20 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits for `old`'s replacement and checks that the pool screens with it. */
async function expectReplacedAndScreening(pool: ScreenPool, old: Worker): Promise<void> {
  const replacement = await replacementOf(pool, old);
  expect(replacement.threadId).not.toBe(old.threadId);
  expect((await pool.screen(mixedChunk("fine"))).map((r) => r.kind)).toEqual(["decided", "decided", "decided", "dead-letter"]);
}

/** A PostProcessor on the pool; no post here needs the model. `onMainThread`: each text the main thread screens. */
function processorOn(pool: ScreenPool, set: PolicySet, onMainThread?: (text: string) => void): PostProcessor {
  return new PostProcessor(processorDeps(set, onMainThread), pool);
}

/** A PostProcessor's dependencies; the engine refuses every call. */
function processorDeps(set: PolicySet, onMainThread?: (text: string) => void): ConstructorParameters<typeof PostProcessor>[0] {
  const engine: EnginePort = {
    modelId: "none",
    classify: () => Promise.reject(new Error("no post in these tests goes to the model")),
    queue: () => ({ depth: 0, capacity: 1, inFlight: 0, sequences: 1 }),
  };
  return {
    codecs,
    topics: config.kafka.topics,
    input: config.input,
    pipeline: config.pipeline,
    engine,
    prefilter: mainThreadPrefilter(set, onMainThread),
    cache: null,
    metrics: new WorkerMetrics(),
    logger: silentLogger,
  };
}

/** The processor's own prefilter, telling `seen` each text it screens. */
function mainThreadPrefilter(set: PolicySet, seen?: (text: string) => void): PolicyPrefilter {
  const prefilter = new PolicyPrefilter(set, { maxModelChars: config.pipeline.maxModelChars, defaultEffort: "medium" });
  if (seen) {
    const match = prefilter.match.bind(prefilter);
    prefilter.match = (text, forumId) => {
      seen(text);
      return match(text, forumId);
    };
  }
  return prefilter;
}

/** Each record's outputs: "post:action" per decision, "dlq:key" per dead letter, "topic:key" for others ("deferred" for a record left to the model). */
function decidedPosts(results: readonly RecordResult[]): string[][] {
  return results.map((result) =>
    result.kind === "deferred"
      ? ["deferred"]
      : result.outputs.map((r: OutboundRecord) => {
          if (r.topic === config.kafka.topics.dlq) return `dlq:${r.key?.toString()}`;
          if (r.topic === config.kafka.topics.tickets) return `ticket:${r.key?.toString()}`;
          if (r.topic !== config.kafka.topics.decisions) return `${r.topic}:${r.key?.toString()}`;
          const decision = codecs.decision.decode(r.value, r.headers);
          return `${decision.postId}:${decision.action}`;
        }),
  );
}
// The unreadable record gets its dead letter and a REVIEW decision with its ticket (input.onUnreadable).
const EXPECTED_DECISIONS = [["ok-1:ALLOW"], ["slow:ALLOW"], ["ok-2:ALLOW"], ["dlq:bad-fp", "bad-fp:REVIEW", "ticket:bad-fp"]];

test("a screen thread gives the same results as screening on the main thread", async () => {
  const set = await loadPolicySet(policiesDir);
  const policyPrefilter = new PolicyPrefilter(set, { maxModelChars: config.pipeline.maxModelChars, defaultEffort: "medium" });
  const records = [
    record(0, "ok-1", "gaming", "good game everyone, see you tomorrow"),
    record(1, "cheat-1", "gaming", "selling a private aimbot, dm me"),
    record(2, "ok-2", "general", "lovely weather here today"),
    record(3, "bad-fp", "gaming", "hello", { [FINGERPRINT_HEADER]: "00".repeat(32) }),
    // Kafka allows null header values: a null fingerprint is a missing one, and the record a dead letter.
    record(4, "null-fp", "gaming", "hello", { [FINGERPRINT_HEADER]: null, other: null }),
  ];
  const inline = records.map((r) => screenRecord(r, { codecs, topics: config.kafka.topics, input: config.input, prefilter: policyPrefilter, now: Date.now }));
  const pool = await startPool(set);
  try {
    const threaded = await pool.screen(records);
    expect(threaded.map((r) => r.kind)).toEqual(["decided", "to-model", "decided", "dead-letter", "dead-letter"]);
    expect((threaded[4] as Extract<ScreenResult, { kind: "dead-letter" }>).reason).toBe("MISSING_FINGERPRINT");
    expect(threaded.map(essence)).toEqual(inline.map(essence));
  } finally {
    await pool.close();
  }
  await expect(pool.screen(records)).rejects.toThrow(/closed/);
}, 30_000);

test("the processor orders a post's records by its post id, not the Kafka key; a dead letter keeps the Kafka key", async () => {
  const set = await loadPolicySet(policiesDir);
  // One thread's posts, keyed by the thread as some producers key them.
  const inThread = (r: InboundRecord): InboundRecord => ({ ...r, key: Buffer.from("thread-9") });
  const records = [
    inThread(record(0, "cheat-1", "gaming", "selling a private aimbot, dm me")),
    inThread(record(1, "ok-1", "gaming", "good game everyone, see you tomorrow")),
    inThread(record(2, "bad-fp", "gaming", "hello", { [FINGERPRINT_HEADER]: "00".repeat(32) })),
  ];
  for (const pool of [null, await startPool(set)]) {
    try {
      const processor = pool ? processorOn(pool, set) : new PostProcessor({ ...processorDeps(set) }, null);
      const results = await processor.processBatch(records, new AbortController().signal);
      expect(results.map((r) => [r.kind, r.orderKey === undefined ? "kafka key" : String(r.orderKey)])).toEqual([
        ["deferred", "cheat-1"],
        ["ready", "ok-1"],
        ["ready", "kafka key"],
      ]);
    } finally {
      await pool?.close();
    }
  }
}, 30_000);

test("a chunk still in a thread when the pool closes is rejected, not left pending", async () => {
  const pool = await startPool(await loadPolicySet(policiesDir));
  const many = Array.from({ length: 500 }, (_, i) => record(i, `p-${i}`, "gaming", "good game ".repeat(200)));
  const inFlight = pool.screen(many);
  await pool.close();
  await expect(inFlight).rejects.toThrow(/closed/);
}, 30_000);

test("a thread refuses a policy set other than the main thread's", async () => {
  const set = await loadPolicySet(policiesDir);
  await expect(
    ScreenPool.start(
      1,
      { policies: [...set.policies], policySetVersion: "not-this-one", maxModelChars: 100, input: config.input, topics: config.kafka.topics },
      silentLogger,
    ),
  ).rejects.toThrow(/failed to start: .*differs from the main thread/);
}, 30_000);

describe("a screen thread that dies", () => {
  test("is replaced; the chunk it held is rejected, and the pool goes on screening", async () => {
    const set = await slowRegexSet();
    const pool = await startPool(set, {}, 2);
    try {
      const inFlight = pool.screen(mixedChunk(ENDLESS));
      // Both threads idle: the chunk went to the first; kill it mid-chunk.
      const [victim] = pool.threads;
      await new Promise((resolve) => setTimeout(resolve, 100));
      await victim!.terminate();
      await expect(inFlight).rejects.toThrow(/screen thread exited/);
      await expectReplacedAndScreening(pool, victim!);
    } finally {
      await pool.close();
    }
  }, 60_000);

  test("loses no record: the processor screens the chunk in flight on the main thread, each record once", async () => {
    const set = await slowRegexSet();
    const pool = await startPool(set);
    try {
      const [victim] = pool.threads;
      const outputs = processorOn(pool, set).processBatch(mixedChunk(SLOW), new AbortController().signal);
      await victim!.terminate(); // the chunk was posted to it within processBatch's first step
      expect(decidedPosts(await outputs)).toEqual(EXPECTED_DECISIONS);
      await replacementOf(pool, victim!);
      expect(decidedPosts(await processorOn(pool, set).processBatch(mixedChunk("fine"), new AbortController().signal))).toEqual(EXPECTED_DECISIONS);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe("a screen thread that hangs", () => {
  test("times out, is terminated and replaced; the pool goes on screening", async () => {
    const set = await slowRegexSet();
    const pool = await startPool(set, { timeoutMs: 500 });
    try {
      const [hung] = pool.threads;
      const exited = new Promise((resolve) => hung!.once("exit", resolve));
      const started = Date.now();
      await expect(pool.screen(mixedChunk(ENDLESS))).rejects.toBeInstanceOf(ScreenTimeoutError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      await exited; // terminated, not left spinning
      await expectReplacedAndScreening(pool, hung!);
    } finally {
      await pool.close();
    }
  }, 60_000);

  test("a busy thread that keeps answering is not taken for hung: the clock runs from its last answer", async () => {
    const pool = await startPool(await slowRegexSet(), { timeoutMs: 1_000 });
    try {
      const [thread] = pool.threads;
      // A short run first, so that no chunk here is the slow cold one (code not yet optimised).
      await pool.screen([record(0, "warm", "gaming", busyFor(2_000))]);
      const slow = [record(0, "slow", "gaming", busyFor(4_000))];
      // Three chunks in the thread at all times, for three times the timeout.
      const until = performance.now() + 3_000;
      const lane = async () => {
        while (performance.now() < until) expect((await pool.screen(slow)).map((r) => r.kind)).toEqual(["decided"]);
      };
      await Promise.all([lane(), lane(), lane()]);
      expect(pool.threads).toEqual([thread]);
    } finally {
      await pool.close();
    }
  }, 60_000);

  test("never screens again on the main thread: the record it hung on is decided REVIEW, the rest on the replacement", async () => {
    const set = await slowRegexSet();
    // Long enough for a cold thread (code not yet compiled) on a loaded machine: the record a
    // thread is on when the clock runs out is the one decided REVIEW, whichever it is.
    const pool = await startPool(set, { timeoutMs: 2_000 });
    try {
      const [hung] = pool.threads;
      const screenedHere: string[] = [];
      const processor = processorOn(pool, set, (text) => screenedHere.push(text));
      // ENDLESS outlasts the timeout in the thread, which names it as the record it was on.
      const outputs = decidedPosts(await processor.processBatch(mixedChunk(ENDLESS), new AbortController().signal));
      expect(outputs).toEqual([
        ["ok-1:ALLOW"],
        ["slow:REVIEW", `${config.kafka.topics.audit}:slow`, `${config.kafka.topics.escalations}:slow`],
        ["ok-2:ALLOW"],
        ["dlq:bad-fp", "bad-fp:REVIEW", "ticket:bad-fp"],
      ]);
      expect(screenedHere).toEqual([]); // nothing, and above all not ENDLESS, was screened on the main thread
      expect(pool.threads).not.toContain(hung); // it did time out, and was replaced
      expect(pool.threads).toHaveLength(1);
      expect(decidedPosts(await processor.processBatch(mixedChunk("fine"), new AbortController().signal))).toEqual(EXPECTED_DECISIONS);
    } finally {
      await pool.close();
    }
  }, 60_000);

  test("the REVIEW names the timeout: in the verdicts and the escalation", async () => {
    const set = await slowRegexSet();
    const pool = await startPool(set, { timeoutMs: 2_000 });
    try {
      const results = await pool.screen(mixedChunk(ENDLESS), undefined, (record, error) =>
        screenTimedOut(record, { codecs, topics: config.kafka.topics, input: config.input, prefilter: mainThreadPrefilter(set), now: Date.now }, error),
      );
      expect(results.map((r) => r.kind)).toEqual(["decided", "decided", "decided", "dead-letter"]);
      const slow = results[1] as Extract<ScreenResult, { kind: "decided" }>;
      const [decisionRecord, , escalationRecord] = slow.records;
      const decision = codecs.decision.decode(decisionRecord!.value, decisionRecord!.headers);
      expect(decision.action).toBe("REVIEW");
      // Every policy of the post's forum, none left out.
      expect(decision.verdicts.map((v) => v.policyId).sort()).toEqual(
        set
          .forForum("gaming")
          .map((p) => p.id)
          .sort(),
      );
      expect(decision.verdicts.every((v) => v.source === "failure" && v.escalate && v.rationale.includes("ScreenTimeoutError"))).toBe(true);
      const escalation = codecs.escalation.decode(escalationRecord!.value, escalationRecord!.headers);
      expect(escalation.detail).toMatch(/ScreenTimeoutError: screen chunk not answered within 2000 ms/);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe("a policy update", () => {
  /** The default pack plus a policy whose only keyword is `keyword`, at a version of its own. */
  async function setWithFruit(keyword: string, version: string): Promise<PolicySet> {
    const base = await loadPolicySet(policiesDir);
    const fruit = {
      ...base.policies[0]!,
      id: "fruit",
      version,
      forums: ["*"],
      keywords: [keyword],
      signals: [],
      targets: [],
      regexes: [],
      prefilter: "keywords" as const,
    };
    return new PolicySet([...base.policies, fruit]);
  }
  const summary = (result: ScreenResult) =>
    result.kind === "to-model" ? { kind: result.kind, toModel: result.toModel, policySetVersion: result.policySetVersion } : { kind: result.kind };

  test("reaches every thread before the next chunk, and a thread started after it starts on it", async () => {
    const before = await setWithFruit("pineapple", "aaaaaaaaaaaaaaaa");
    const after = await setWithFruit("mango", "bbbbbbbbbbbbbbbb");
    const pool = await startPool(before, {}, 2);
    try {
      const chunk = [record(1, "p1", "f", "pineapple pizza tonight"), record(2, "p2", "f", "mango pizza tonight")];
      expect((await pool.screen(chunk)).map(summary)).toEqual([
        { kind: "to-model", toModel: ["fruit"], policySetVersion: before.version },
        { kind: "decided" },
      ]);
      await pool.update(after.policies, after.version);
      // Both threads: the least loaded takes each chunk, so two chunks at once go to the two threads.
      const screenOnBoth = async () => {
        for (const results of await Promise.all([pool.screen(chunk), pool.screen(chunk)])) {
          expect(results.map(summary)).toEqual([{ kind: "decided" }, { kind: "to-model", toModel: ["fruit"], policySetVersion: after.version }]);
        }
      };
      await screenOnBoth();
      const [victim] = pool.threads;
      await victim!.terminate();
      await replacementOf(pool, victim!);
      expect(pool.threads).not.toContain(victim);
      await screenOnBoth();
    } finally {
      await pool.close();
    }
  }, 60_000);
});
