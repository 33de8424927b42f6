/** Arbiter's settings. Each field's default is in config/default.json and in its @defaultValue. */

export type WorkerRole = "primary" | "escalation";
export type PostFormat = "avro" | "json";
export type Effort = "low" | "medium" | "high";

export interface TopicNames {
  /** @defaultValue "posts" */
  posts: string;
  /** @defaultValue "moderation.decisions" */
  decisions: string;
  /** @defaultValue "moderation.audit" */
  audit: string;
  /** @defaultValue "moderation.escalations" */
  escalations: string;
  /** @defaultValue "moderation.tickets" */
  tickets: string;
  /** @defaultValue "moderation.dlq" */
  dlq: string;
}

export interface KafkaSettings {
  /** host:port list. @defaultValue ["127.0.0.1:9092"] */
  brokers: string[];
  /** @defaultValue "arbiter" */
  clientId: string;
  /** Consumer group; the escalation role appends ".escalation". @defaultValue "arbiter-classifier" */
  groupId: string;
  topics: TopicNames;
  /** Kafka transactions: produce + offsets in one transaction, consumers read_committed. @defaultValue false */
  exactlyOnce: boolean;
  /** Prefix of the transactional id; the worker id is appended. @defaultValue "arbiter" */
  transactionalIdPrefix: string;
  /** @defaultValue 30000 */
  sessionTimeoutMs: number;
  /** @defaultValue 60000 */
  rebalanceTimeoutMs: number;
  /** @defaultValue 3000 */
  heartbeatIntervalMs: number;
  /** Partitions processed at once by one worker. @defaultValue 3 */
  partitionsConsumedConcurrently: number;
  /** Records decided, produced and committed together (one transaction in exactly-once mode). @defaultValue 500 */
  maxRecordsPerCommit: number;
  /** Create missing topics at start (3 partitions). @defaultValue true */
  createTopics: boolean;
  /** Partitions of topics created at start. @defaultValue 3 */
  topicPartitions: number;
}

export interface InputSettings {
  /** Encoding of records on the posts topic. @defaultValue "avro" */
  format: PostFormat;
  /** A larger record is a dead letter. @defaultValue 1048576 */
  maxRecordBytes: number;
}

export interface CacheSettings {
  /** @defaultValue true */
  enabled: boolean;
  /** @defaultValue "redis://127.0.0.1:6379" */
  url: string;
  /** @defaultValue "arbiter:" */
  keyPrefix: string;
  /** @defaultValue 86400 */
  ttlSeconds: number;
  /** A slower Redis call counts as a miss. @defaultValue 250 */
  commandTimeoutMs: number;
}

export interface PolicySettings {
  /** Folder of `<id>.md` policies. @defaultValue "config/policies" */
  dir: string;
  /** Only these policy ids (empty: all in the folder). @defaultValue [] */
  only: string[];
}

export interface PipelineSettings {
  /** Model attempts for a retriable engine error before the post escalates. @defaultValue 2 */
  engineAttempts: number;
  /** Per model call. @defaultValue 120000 */
  engineTimeoutMs: number;
  /** Text beyond this is scanned by the prefilter but not sent to the model. @defaultValue 8000 */
  maxModelChars: number;
  /** Ask all of a post's policies in one call instead of one call per policy. @defaultValue false */
  combinePolicies: boolean;
  /**
   * Worker threads for the pure first stage (decode, validate, prefilter, prefilter decisions),
   * beside kafkajs on the main thread; 0 runs it on the main thread. @defaultValue 1
   */
  screenThreads: number;
  /** Reasoning effort of this role, overriding the policy's own. @defaultValue null (policy's) */
  effort: Effort | null;
}

export interface HttpSettings {
  /** Readiness, liveness and /metrics. 0 = an ephemeral port. @defaultValue 9464 */
  port: number;
  /** @defaultValue "127.0.0.1" */
  host: string;
}

export interface LogSettings {
  /** @defaultValue "info" */
  level: string;
  /** Put post text into logs (debugging only). @defaultValue false */
  includePostText: boolean;
}

export interface ArbiterConfig {
  /** primary: posts -> decisions; escalation: escalations -> final decisions and tickets. @defaultValue "primary" */
  role: WorkerRole;
  /** Names this process in transactional ids and logs. @defaultValue the host name */
  workerId: string;
  kafka: KafkaSettings;
  input: InputSettings;
  cache: CacheSettings;
  policies: PolicySettings;
  pipeline: PipelineSettings;
  /** Passed to the engine's own validation (shared/engine/options.ts). */
  engine: Record<string, unknown>;
  /** Engine settings the escalation role uses instead (the 120b model, effort high). */
  escalationEngine: Record<string, unknown>;
  http: HttpSettings;
  log: LogSettings;
  /** Drain bound on SIGTERM/SIGINT. @defaultValue 30000 */
  shutdownTimeoutMs: number;
}
