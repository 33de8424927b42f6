import { hostname } from "node:os";
import { z } from "zod";
import { effortSchema, engineOptionsSchemaWith } from "../engine/options.js";

// Every setting's type, default and doc in one schema, so config/default.json and the README table can be generated from it.

const nonBlank = () => z.string().regex(/\S/, "must not be empty");
const topic = (name: string) => z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, "is not a legal Kafka topic name").default(name);

/** A credential: inline (local runs and tests only), or read at start from an environment variable or a file (a mounted Secret). */
const secretSchema = z.union(
  [nonBlank(), z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name") }), z.strictObject({ file: nonBlank() })],
  { error: "must be a string, {env: VARIABLE} or {file: path}" },
);

const pem = (what: string) => nonBlank().optional().describe(`${what}: a PEM file path, or the PEM text itself.`);

/** Certificates and verification of one TLS client; Kafka's and Redis's sections share them. */
const tlsFields = {
  ca: pem("CA certificates to trust (unset: Node's bundled CAs)"),
  cert: pem("Client certificate, for a server that asks for one (mutual TLS; with `key`)"),
  key: pem("Client private key (with `cert`)"),
  rejectUnauthorized: z.boolean().describe("Verify the server's certificate and name (false: only for a throwaway local test).").default(true),
  servername: nonBlank().optional().describe("Name the server's certificate must carry (and SNI), when it differs from the address connected to."),
};

function tlsPairRule(t: { cert?: string | undefined; key?: string | undefined }, ctx: z.RefinementCtx): void {
  if ((t.cert === undefined) !== (t.key === undefined)) ctx.addIssue({ code: "custom", path: [t.cert === undefined ? "cert" : "key"], message: "must be set with the other of cert and key" });
}

const kafkaTlsSchema = z
  .strictObject({ enabled: z.boolean().describe("TLS to the brokers (their SSL or SASL_SSL listener).").default(false), ...tlsFields })
  .superRefine(tlsPairRule)
  .superRefine((t, ctx) => {
    for (const key of ["ca", "cert", "key", "servername"] as const)
      if (!t.enabled && t[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: "is set but kafka.ssl.enabled is false" });
  })
  .prefault({});

const kafkaSaslSchema = z
  .strictObject({
    mechanism: z.enum(["plain", "scram-sha-256", "scram-sha-512"]).describe("SASL mechanism, one the broker's listener enables (`plain` only with `ssl.enabled`); no `kafka.sasl`: no SASL."),
    username: nonBlank().describe("SASL user."),
    password: secretSchema.describe("SASL password: `{env: VARIABLE}` or `{file: path}` (a mounted Secret); a plain string only for local tests."),
  })
  .optional()
  .describe("SASL authentication (unset: none).");

const topicNamesSchema = z
  .strictObject({
    posts: topic("posts").describe("Posts to moderate (the primary role reads it)."),
    decisions: topic("moderation.decisions").describe("Decisions: action, stage, verdicts; never the reasoning."),
    audit: topic("moderation.audit").describe("The analysis-channel text, token counts, errors."),
    escalations: topic("moderation.escalations").describe("Unsure items for the escalation role."),
    tickets: topic("moderation.tickets").describe("Moderator tickets."),
    dlq: topic("moderation.dlq").describe("Dead letters: the original record and the reason."),
    appeals: topic("moderation.appeals").describe("Appeals: posts to decide again at the escalation tier (the escalation role reads it)."),
    shadow: topic("moderation.shadow").describe("Decisions of a replay or a shadow run (tagged with its replay id); the product never reads it."),
  })
  .prefault({});

const kafkaSchema = z
  .strictObject({
    brokers: z
      .array(z.string().regex(/^[^:\s]+:\d{1,5}$/, "must be host:port"))
      .min(1, "must list at least one host:port")
      .describe("Bootstrap brokers, host:port.")
      .default(["127.0.0.1:9092"]),
    clientId: nonBlank().describe("Kafka client id (the role is appended).").default("arbiter"),
    groupId: nonBlank().describe('Consumer group; the escalation role appends ".escalation" (and ".appeal" for the appeals it serves).').default("arbiter-classifier"),
    topics: topicNamesSchema,
    exactlyOnce: z.boolean().describe("Transactions: outputs and offsets commit together, one producer per input partition; readers use read_committed.").default(false),
    transactionalIdPrefix: nonBlank().describe("Prefix of the transactional ids: `<prefix>-<group>-<topic>-<partition>`, so a partition's next owner fences the last.").default("arbiter"),
    sessionTimeoutMs: z.int().min(1000).describe("Consumer session timeout; at most `rebalanceTimeoutMs`.").default(30_000),
    rebalanceTimeoutMs: z.int().min(1000).describe("Consumer rebalance timeout.").default(60_000),
    heartbeatIntervalMs: z.int().min(100).describe("Heartbeat interval; at most a third of `sessionTimeoutMs`.").default(3000),
    partitionsConsumedConcurrently: z.int().min(1).max(1024).describe("Partitions processed at once by one worker.").default(3),
    maxRecordsPerCommit: z.int().min(1).max(100_000).describe("Records screened together, and at most this many records' outputs produced and committed together (one transaction in exactly-once mode).").default(500),
    maxInFlight: z
      .int()
      .min(1)
      .max(100_000)
      .describe("Model-bound posts taken on and unfinished per worker (two per engine sequence run, the rest wait); at this many its partitions pause.")
      .default(64),
    maxCommitMetadataBytes: z
      .int()
      .min(64)
      .max(1_048_576)
      .describe("Longest offset-commit metadata (the done set above the committed offset); at most the broker's offset.metadata.max.bytes.")
      .default(4096),
    createTopics: z.boolean().describe("Create missing topics at start, as the `topics` section says.").default(true),
    ssl: kafkaTlsSchema,
    sasl: kafkaSaslSchema,
  })
  .superRefine((k, ctx) => {
    // PLAIN sends the password as it is: never over a connection anyone on the path can read.
    if (k.sasl?.mechanism === "plain" && !k.ssl.enabled) ctx.addIssue({ code: "custom", path: ["sasl", "mechanism"], message: '"plain" sends the password in clear: set kafka.ssl.enabled, or use a scram mechanism' });
    // The broker's rule: heartbeats must come well inside the session timeout.
    if (k.heartbeatIntervalMs * 3 > k.sessionTimeoutMs)
      ctx.addIssue({ code: "custom", path: ["heartbeatIntervalMs"], message: `(${k.heartbeatIntervalMs}) must be at most a third of kafka.sessionTimeoutMs (${k.sessionTimeoutMs})` });
    if (k.sessionTimeoutMs > k.rebalanceTimeoutMs)
      ctx.addIssue({ code: "custom", path: ["sessionTimeoutMs"], message: `(${k.sessionTimeoutMs}) must not exceed kafka.rebalanceTimeoutMs (${k.rebalanceTimeoutMs})` });
  })
  .prefault({});

const DAY_MS = 86_400_000;

/** How one topic is created (`arbiter topics create`, and a worker at start): one of these per topic. */
const topicSettings = (defaults: { retentionMs: number; cleanupPolicy: "delete" | "compact" | "compact,delete" }) =>
  z
    .strictObject({
      // The same count on every topic keeps a post's records on the same partition number everywhere.
      partitions: z.int().min(1).max(10_000).describe("Partitions: the most workers of one group that can share the topic.").default(3),
      replicationFactor: z.int().min(1).max(32).describe("Replicas of each partition (1 on a one-broker cluster; 3 in production).").default(1),
      retentionMs: z.int().min(-1).describe("`retention.ms`: how long records are kept when the cleanup policy includes delete (-1: forever).").default(defaults.retentionMs),
      cleanupPolicy: z.enum(["delete", "compact", "compact,delete"]).describe("`cleanup.policy`: delete old records, or compact to the latest per key.").default(defaults.cleanupPolicy),
    })
    .prefault({});

// Retention follows who reads each topic and how late; see the README (Topics) for the reasons.
const topicsSchema = z
  .strictObject({
    posts: topicSettings({ retentionMs: 14 * DAY_MS, cleanupPolicy: "delete" }),
    decisions: topicSettings({ retentionMs: 30 * DAY_MS, cleanupPolicy: "compact" }),
    audit: topicSettings({ retentionMs: 30 * DAY_MS, cleanupPolicy: "delete" }),
    escalations: topicSettings({ retentionMs: 7 * DAY_MS, cleanupPolicy: "delete" }),
    tickets: topicSettings({ retentionMs: 14 * DAY_MS, cleanupPolicy: "delete" }),
    dlq: topicSettings({ retentionMs: 30 * DAY_MS, cleanupPolicy: "delete" }),
    appeals: topicSettings({ retentionMs: 14 * DAY_MS, cleanupPolicy: "delete" }),
    shadow: topicSettings({ retentionMs: 14 * DAY_MS, cleanupPolicy: "delete" }),
  })
  .prefault({});

const postFormatSchema = z.enum(["avro", "json", "confluent-avro"]);
const outputFormatSchema = z.enum(["avro", "confluent-avro"]);

/** The Post fields a producer's schema may name otherwise (shared/codec/records.ts). */
export const POST_FIELDS = ["id", "forumId", "authorId", "text", "language", "createdAt", "metadata", "threadId"] as const;

const inputSchema = z
  .strictObject({
    format: postFormatSchema
      .describe("Encoding of records on the posts topic: `avro` (Arbiter's, the writer's fingerprint in a header), `json` (one Post object per record), `confluent-avro` (Confluent wire format, the writer schema from `schemaRegistry`).")
      .default("avro"),
    maxRecordBytes: z.int().min(64).describe("A larger record is a dead letter.").default(1_048_576),
    fieldMap: z
      .partialRecord(z.enum(POST_FIELDS), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an Avro field name"))
      .describe('`confluent-avro`: the producer\'s field name per Post field it names otherwise, e.g. `{text: "body", forumId: "community"}`; fields Post lacks are ignored, a post without `id` or `text` is a dead letter naming it.')
      .default({}),
  })
  .superRefine((i, ctx) => {
    if (i.format !== "confluent-avro" && Object.keys(i.fieldMap).length > 0) ctx.addIssue({ code: "custom", path: ["fieldMap"], message: `is set but input.format is "${i.format}", not "confluent-avro"` });
    // Each producer field feeds one Post field: two reading the same name would make the reader schema ambiguous.
    const readBy = new Map<string, string>();
    for (const field of POST_FIELDS) {
      const source = i.fieldMap[field] ?? field;
      const other = readBy.get(source);
      if (other !== undefined) ctx.addIssue({ code: "custom", path: ["fieldMap", i.fieldMap[field] === undefined ? other : field], message: `reads producer field "${source}", which Post.${i.fieldMap[field] === undefined ? field : other} reads too` });
      readBy.set(source, field);
    }
  })
  .prefault({});

const outputSchema = z
  .strictObject({
    format: outputFormatSchema
      .describe("Encoding of every record Arbiter writes: `avro` (the writer's fingerprint in a header), `confluent-avro` (Confluent wire format, schemas registered under `<topic>-value` in `schemaRegistry`; the fingerprint header stays).")
      .default("avro"),
  })
  .prefault({});

const schemaRegistrySchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^https?:\/\/[^/\s@]+(\/|$)/, "must be an http:// or https:// URL, without credentials (those go in username and password)")
      .optional()
      .describe("Base URL of the Confluent-compatible Schema Registry API (e.g. `http://registry:8081`, Apicurio's `…/apis/ccompat/v7`); needed by the `confluent-avro` formats."),
    username: nonBlank().optional().describe("Basic-auth user (Confluent Cloud: the API key)."),
    password: secretSchema.optional().describe("Basic-auth password (with `username`): `{env: VARIABLE}` or `{file: path}`; a plain string only for local tests."),
    tls: z.strictObject(tlsFields).superRefine(tlsPairRule).describe("TLS settings of an https:// URL.").prefault({}),
    timeoutMs: z.int().min(100).describe("Deadline per registry request; a slower answer counts as the registry being down.").default(5000),
    notFoundAttempts: z
      .int()
      .min(1)
      .max(10)
      .describe("Fetches of a schema id the registry says it does not know (404) before its posts are dead letters (a replica may lag the registry's leader).")
      .default(3),
    retryMaxMs: z.int().min(100).describe("Longest wait between attempts while the registry is down: posts wait (the stream pauses), none is dead-lettered for an outage.").default(10_000),
    autoRegister: z
      .boolean()
      .describe("Register Arbiter's output schemas at start (after the compatibility check); false: they must be registered already, else the worker does not start.")
      .default(true),
  })
  .superRefine((r, ctx) => {
    if ((r.username === undefined) !== (r.password === undefined)) ctx.addIssue({ code: "custom", path: [r.username === undefined ? "username" : "password"], message: "must be set with the other of username and password" });
    if (r.url !== undefined && !r.url.startsWith("https://"))
      for (const key of ["ca", "cert", "key", "servername"] as const)
        if (r.tls[key] !== undefined) ctx.addIssue({ code: "custom", path: ["tls", key], message: "is set but schemaRegistry.url is not https://" });
  })
  .prefault({});

const cacheSchema = z
  .strictObject({
    enabled: z.boolean().describe("Verdict cache in Redis, keyed by policy version + hash of the normalised text; Redis down = no cache, no stall.").default(true),
    url: z.string().describe("Redis URL (redis://, or rediss:// for TLS with `cache.tls`): the verdict cache's, the policy registry's, and the sinks' and console's state; checked when the cache or the registry is enabled.").default("redis://127.0.0.1:6379"),
    keyPrefix: z.string().describe("Prefix of every Redis key (the cache's, the registry's, the sinks' and the console's).").default("arbiter:"),
    ttlSeconds: z.int().min(1).describe("Lifetime of a cached verdict.").default(86_400),
    commandTimeoutMs: z.int().min(1).describe("A slower Redis call counts as a miss.").default(250),
    username: nonBlank().optional().describe("Redis ACL user (unset: `default`)."),
    password: secretSchema.optional().describe("Redis password (AUTH, or the ACL user's): `{env: VARIABLE}` or `{file: path}`; a plain string only for local tests."),
    tls: z.strictObject(tlsFields).superRefine(tlsPairRule).describe("TLS settings of a rediss:// URL.").prefault({}),
  })
  .superRefine((c, ctx) => {
    if (!c.enabled) return;
    if (!/^rediss?:\/\//.test(c.url)) ctx.addIssue({ code: "custom", path: ["url"], message: `must be a redis:// URL when the cache is enabled, got ${JSON.stringify(c.url)}` });
    // ioredis takes a URL's userinfo over the options: a password in both places would silently use the URL's.
    if ((c.username !== undefined || c.password !== undefined) && /^rediss?:\/\/[^/@]*@/.test(c.url))
      ctx.addIssue({ code: "custom", path: [c.password !== undefined ? "password" : "username"], message: "is set and cache.url holds a user too: keep the credentials in cache.username and cache.password only" });
    if (!c.url.startsWith("rediss://"))
      for (const key of ["ca", "cert", "key", "servername"] as const)
        if (c.tls[key] !== undefined) ctx.addIssue({ code: "custom", path: ["tls", key], message: "is set but cache.url is not rediss:// (TLS)" });
  })
  .prefault({});

const policiesSchema = z
  .strictObject({
    dir: nonBlank().describe("Folder of `<id>.md` policies (relative paths: from the repository root).").default("config/policies"),
    only: z.array(nonBlank()).describe("Only these policy ids (empty: every policy in the folder, or in the registry).").default([]),
    registry: z
      .strictObject({
        enabled: z
          .boolean()
          .describe(
            "Policies live in Redis (the `cache` section's connection; keys under `cache.keyPrefix` + `policy:`): every version kept, a current pointer per id, changes over pub/sub, so running workers switch without a restart. `dir` seeds the ids the registry lacks. false: `dir` is read once at start.",
          )
          .default(true),
        snapshotFile: nonBlank()
          .describe("The last policy set read from the registry, rewritten at each change; a worker that starts while Redis is down runs on it (relative paths: from the repository root).")
          .default(".run/policy-snapshot.json"),
        startTimeoutMs: z.int().min(100).describe("How long a starting worker waits for Redis before it runs on the snapshot.").default(3000),
        refreshMs: z.int().min(100).describe("The current pointers are also re-read this often: a lost pub/sub message or Redis coming back still reaches the worker.").default(10_000),
      })
      .prefault({}),
    maxBodyChars: z.int().min(100).describe("`arbiter policy validate` and `push`: a longer policy body (the text the model reads) is rejected.").default(8000),
    maxTokens: z.int().min(10).describe("`arbiter policy validate --model` and `push --model`: a body of more tokens is rejected (400–600 is the sweet spot; outside it is a warning).").default(1500),
  })
  .prefault({});

const replaySchema = z
  .strictObject({
    maxModelCalls: z.int().min(1).max(64).describe("Model calls a replay or shadow run makes at once (its share of the model, beside live traffic).").default(1),
    stateDir: nonBlank().describe("Where a replay keeps its plan (range, policy version) so the same command resumes it (relative: from the repository root).").default(".run/replay"),
  })
  .prefault({});

const pipelineSchema = z
  .strictObject({
    engineAttempts: z.int().min(1).max(10).describe("Model attempts for a retriable engine error before the post escalates.").default(2),
    engineTimeoutMs: z.int().min(1).describe("Deadline per model call.").default(120_000),
    maxModelChars: z.int().min(16).describe("The prefilter scans all of a post; the model sees this much (`truncated` on the decision).").default(8000),
    combinePolicies: z.boolean().describe("Ask all of a post's policies in one model call instead of one call per policy.").default(false),
    screenThreads: z.int().min(0).max(64).describe("Worker threads for decode → prefilter → prefilter decisions, beside kafkajs (0: the main thread).").default(1),
    screenTimeoutMs: z
      .int()
      .min(100)
      .describe("How long a screen thread may hold chunks without answering before it is taken as hung: it is replaced, and its chunks are screened on the main thread.")
      .default(30000),
    effort: effortSchema.nullable().describe("Reasoning effort of this role, over the policy's own (null: the policy's; the escalation role: high).").default(null),
    auditSampleRate: z
      .number()
      .min(0)
      .max(1)
      .describe("Share of the posts the prefilter allows without the model that the model still reads, at the lowest priority, to measure what the keywords miss (verdicts to the audit topic only; 0: none).")
      .default(0.005),
  })
  .prefault({});

const httpSchema = z
  .strictObject({
    port: z.int().min(0).max(65_535).describe("Port of `/healthz`, `/readyz`, `/metrics` (0: an ephemeral port).").default(9464),
    host: nonBlank().describe("Address the HTTP server listens on.").default("127.0.0.1"),
  })
  .prefault({});

const logSchema = z
  .strictObject({
    level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).describe("Log level.").default("info"),
    includePostText: z.boolean().describe("Put post text and the model's reasoning into logs (debugging only); credentials stay out regardless.").default(false),
  })
  .prefault({});

/** A credential of the sinks and the console: no default, read when the worker starts (as `kafka.sasl.password`). */
const secret = (doc: string) => secretSchema.optional().describe(`${doc} \`{env: VARIABLE}\` or \`{file: path}\` (a mounted Secret); a plain string only for local tests.`);

const httpMethod = z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** One HTTP call of a sink: a URL template (`{forumId}`, `{postId}`, `{decisionId}` are filled in, URL-encoded) and a method. */
const httpCallFields = (what: string) => ({
  method: httpMethod.describe(`HTTP method of ${what}.`).default("POST"),
  url: z.string().describe(`URL template of ${what} (\`{forumId}\`, \`{postId}\`, \`{decisionId}\`); empty: unset.`).default(""),
});
const httpCallSchema = (what: string) => z.strictObject(httpCallFields(what)).prefault({});

/** What every outgoing HTTP endpoint of a sink shares: extra headers, a bearer token, a deadline. */
const endpointFields = (what: string) => ({
  headers: z.record(z.string(), z.string()).describe(`Extra request headers of ${what} (not for credentials: use \`token\`).`).default({}),
  token: secret(`Bearer token sent to ${what} as \`Authorization: Bearer …\` (unset: no Authorization header).`),
  timeoutMs: z.int().min(1).describe(`Deadline of one call to ${what}; a call past it is retried.`).default(5000),
});

const retrySchema = z
  .strictObject({
    initialDelayMs: z.int().min(1).describe("First wait before retrying a 5xx, 408, 429, timeout or connection error; it doubles each time, with jitter.").default(250),
    maxDelayMs: z.int().min(1).describe("Longest wait between two attempts.").default(30_000),
    maxAttempts: z.int().min(0).describe("Attempts before the record goes to the dead-letter topic (0: retry until it succeeds or the worker stops; the post's later records wait).").default(0),
  })
  .superRefine((r, ctx) => {
    if (r.initialDelayMs > r.maxDelayMs) ctx.addIssue({ code: "custom", path: ["initialDelayMs"], message: `(${r.initialDelayMs}) must not exceed maxDelayMs (${r.maxDelayMs})` });
  })
  .prefault({});

const autoHideSchema = z
  .strictObject({
    groupId: nonBlank().describe("Consumer group of the auto-hide sink (it reads the decisions topic).").default("arbiter-auto-hide"),
    forum: z
      .strictObject({
        hide: httpCallSchema("the forum's hide call"),
        unhide: httpCallSchema("the forum's unhide call"),
        banner: httpCallSchema("the forum's call that shows a crisis-line banner under a post"),
        unbanner: httpCallSchema("the forum's call that removes the banner"),
        ...endpointFields("the forum API"),
      })
      .prefault({}),
    pager: z
      .strictObject({
        ...httpCallFields("the on-call counsellor's pager webhook"),
        ...endpointFields("the pager webhook"),
      })
      .prefault({}),
    rateLimit: z
      .strictObject({
        perSecond: z.number().positive().describe("Forum API calls per second, per forum and worker process; over it, calls wait (none is dropped).").default(20),
        burst: z.int().min(1).describe("Calls a forum may take at once after a quiet spell.").default(20),
        forums: z.record(z.string(), z.number().positive()).describe("Calls per second for particular forums (forum id → rate), over `perSecond`.").default({}),
      })
      .prefault({}),
    retry: retrySchema,
    stateTtlDays: z.int().min(0).describe("How long the sink remembers what it did to a post (and who decided it) after the post's last decision (0: forever).").default(400),
  })
  .prefault({});

const ticketsSchema = z
  .strictObject({
    groupId: nonBlank().describe("Consumer group of the ticket sink (it reads the tickets topic).").default("arbiter-tickets"),
    webhook: z
      .strictObject({
        url: z.string().describe("The ticket system's webhook: each ticket is POSTed there as JSON (empty: no webhook).").default(""),
        method: httpMethod.describe("HTTP method of the webhook.").default("POST"),
        ...endpointFields("the ticket webhook"),
      })
      .prefault({}),
    stream: z.string().describe("Redis stream (under `cache.keyPrefix`) each ticket is added to as JSON (empty: none). The webhook, the stream or both.").default("tickets"),
    retry: retrySchema,
    dedupeTtlDays: z.int().min(1).describe("How long a delivered ticket is remembered, so a post gets one ticket per policy version.").default(30),
  })
  .prefault({});

const consoleSchema = z
  .strictObject({
    groupId: nonBlank().describe("Consumer group of the moderator console (it reads the tickets and audit topics into its own store).").default("arbiter-console"),
    host: nonBlank().describe("Address the console's web server listens on.").default("127.0.0.1"),
    port: z.int().min(0).max(65_535).describe("Port of the console's web server (0: an ephemeral port).").default(8080),
    publicUrl: z.string().regex(/^https?:\/\/[^/?#]+(\/[^?#]*)?$/, "must be an http(s) URL").describe("The console's address as moderators reach it: ticket links in webhooks point there.").default("http://127.0.0.1:8080"),
    sessionSecret: secret("Signs session cookies: at least 32 characters; the console does not start without it."),
    moderators: secret("Who may log in: one `name:scrypt-hash` per line or comma (`npm run console:password` makes a hash)."),
    sessionTtlMinutes: z.int().min(1).describe("A session ends this long after its last request.").default(720),
    secureCookies: z.boolean().describe("Mark cookies Secure (set when the console is served over HTTPS).").default(false),
    auditTtlHours: z.int().min(1).describe("How long the console keeps a model's reasoning from the audit topic (the reasoning on a ticket itself stays with the ticket).").default(168),
    queueLimit: z.int().min(1).max(10_000).describe("Most open tickets the queue page reads and filters.").default(500),
  })
  .prefault({});

export const arbiterConfigSchema = z.strictObject({
  role: z.enum(["primary", "escalation"]).describe("`primary`: posts → decisions; `escalation`: escalations and appeals → final decisions and tickets.").default("primary"),
  workerId: z
    .string()
    .describe("Names this process in logs (empty: the host name).")
    .default("")
    .transform((id) => id || hostname()),
  kafka: kafkaSchema,
  topics: topicsSchema,
  input: inputSchema,
  output: outputSchema,
  schemaRegistry: schemaRegistrySchema,
  cache: cacheSchema,
  policies: policiesSchema,
  pipeline: pipelineSchema,
  replay: replaySchema,
  engine: engineOptionsSchemaWith({ modelPath: "models/gpt-oss-safeguard-20b.gguf", sequences: 2 })
    .describe("The safeguard engine of the primary role (shared/engine/options.ts).")
    .prefault({}),
  escalationEngine: engineOptionsSchemaWith({ modelPath: "models/gpt-oss-safeguard-120b.gguf", contextSize: 8192, defaultEffort: "high" })
    .describe("The engine of the escalation role: the same keys as `engine`.")
    .prefault({}),
  http: httpSchema,
  log: logSchema,
  autoHide: autoHideSchema,
  tickets: ticketsSchema,
  console: consoleSchema,
  shutdownTimeoutMs: z.int().min(100).describe("Drain bound on SIGTERM/SIGINT.").default(30_000),
}).superRefine((c, ctx) => {
  if (c.policies.registry.enabled && !c.cache.enabled && !/^rediss?:\/\//.test(c.cache.url))
    ctx.addIssue({ code: "custom", path: ["cache", "url"], message: `must be a redis:// URL: the policy registry (policies.registry.enabled) uses it, got ${JSON.stringify(c.cache.url)}` });
  // Read at start, not at the first record: a worker that could not decode or encode does not start.
  if (c.schemaRegistry.url !== undefined) return;
  if (c.input.format === "confluent-avro") ctx.addIssue({ code: "custom", path: ["schemaRegistry", "url"], message: 'must be set: input.format is "confluent-avro"' });
  else if (c.output.format === "confluent-avro") ctx.addIssue({ code: "custom", path: ["schemaRegistry", "url"], message: 'must be set: output.format is "confluent-avro"' });
});

/** The settings after parsing: every default filled in. */
export type ArbiterConfig = z.output<typeof arbiterConfigSchema>;
/** Settings as written in a file or passed as overrides: every key optional. */
export type ArbiterConfigInput = z.input<typeof arbiterConfigSchema>;
export type WorkerRole = ArbiterConfig["role"];
export type PostFormat = z.infer<typeof postFormatSchema>;
export type TopicNames = z.output<typeof topicNamesSchema>;
export type TopicKey = keyof TopicNames;
/** Every topic key of `kafka.topics` (and of the `topics` section), in the order the settings list them. */
export const TOPIC_KEYS = Object.keys(topicNamesSchema.parse({})) as readonly TopicKey[];
export type TopicSettings = z.output<typeof topicsSchema>[TopicKey];
export type TopicsSettings = z.output<typeof topicsSchema>;
export type KafkaSettings = z.output<typeof kafkaSchema>;
export type Secret = z.output<typeof secretSchema>;
/** One TLS client's certificates and verification (`kafka.ssl` without `enabled`, `cache.tls`). */
export type TlsSettings = z.output<z.ZodObject<typeof tlsFields>>;
export type OutputFormat = z.infer<typeof outputFormatSchema>;
export type InputSettings = z.output<typeof inputSchema>;
export type OutputSettings = z.output<typeof outputSchema>;
export type SchemaRegistrySettings = z.output<typeof schemaRegistrySchema>;
export type PostField = (typeof POST_FIELDS)[number];
export type CacheSettings = z.output<typeof cacheSchema>;
export type PolicySettings = z.output<typeof policiesSchema>;
export type PolicyRegistrySettings = PolicySettings["registry"];
export type PipelineSettings = z.output<typeof pipelineSchema>;
export type ReplaySettings = z.output<typeof replaySchema>;
export type HttpSettings = z.output<typeof httpSchema>;
export type LogSettings = z.output<typeof logSchema>;
export type AutoHideSettings = z.output<typeof autoHideSchema>;
export type TicketSinkSettings = z.output<typeof ticketsSchema>;
export type ConsoleSettings = z.output<typeof consoleSchema>;
export type RetrySettings = z.output<typeof retrySchema>;
export type HttpCallSettings = z.output<ReturnType<typeof httpCallSchema>>;
