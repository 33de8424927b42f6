import type { Redis } from "ioredis";
import type { PolicySettings } from "../policy/policy-settings.js";
import type { RedisSettings } from "../redis/redis-settings.js";
import { resolveFromRoot } from "../settings/repo-root.js";
import type { Logger } from "../observability/logger.js";
import { readPolicyDir, type PolicyFile } from "../policy/load-policy-dir.js";
import type { Policy } from "../policy/policy.js";
import { PolicySet } from "../policy/policy-set.js";
import { createRedis } from "../redis/redis-client.js";
import { parseStored, PolicyRegistry, registryPrefix, type PolicyChange, type StoredPolicy } from "./policy-registry.js";
import { readSnapshot, writeSnapshot } from "./policy-snapshot.js";

/** Where the policies in force came from. */
export type PolicySource = "registry" | "snapshot" | "folder";

export interface PolicyStatus {
  source: PolicySource;
  /** One line for logs and /readyz. */
  detail: string;
}

/** Applies a new policy set to the running pipeline; resolves once every part uses it. */
export type PolicySetListener = (set: PolicySet) => Promise<void> | void;

/** Only the ids `only` names (all when empty); an id it names that the set lacks is an error. */
export function onlyPolicies(policies: readonly Policy[], only: readonly string[], where: string): PolicySet {
  if (only.length === 0) return new PolicySet(policies);
  const unknown = only.filter((id) => !policies.some((p) => p.id === id));
  if (unknown.length > 0) throw new Error(`config: policies.only: no policy ${unknown.join(", ")} in ${where}`);
  return new PolicySet(policies.filter((p) => only.includes(p.id)));
}

const stored = (files: readonly PolicyFile[]): StoredPolicy[] => files.map(({ policy, text }) => ({ id: policy.id, version: policy.version, text }));

/**
 * The policies a worker runs, kept current from the registry: read (and seeded from the policies
 * folder) at start, then re-read on each pub/sub message, on each reconnection and every
 * `refreshMs`. A change is handed to the listener, and the snapshot file rewritten, before it
 * counts as the set in force. Redis down at start: the snapshot, else the folder, and the status says so.
 */
export class LivePolicies {
  private watching: { listener: PolicySetListener; timer: NodeJS.Timeout; subscriber: Redis } | null = null;
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  /** The registry content last written to the snapshot (`id@version,…`). */
  private snapshotted = "";
  private outage = false;
  private closed = false;
  /** The files of the set in force (a registry found empty is seeded with them). */
  private known: StoredPolicy[] = [];

  private constructor(
    private set: PolicySet,
    private state: PolicyStatus,
    private readonly settings: PolicySettings,
    private readonly logger: Logger,
    private readonly redis: Redis | null,
    private readonly registry: PolicyRegistry | null,
  ) {}

  /** The set in force now (keep it for the whole of one post). */
  get current(): PolicySet {
    return this.set;
  }

  get status(): PolicyStatus {
    return this.state;
  }

  static async start(policies: PolicySettings, redisSettings: RedisSettings, logger: Logger): Promise<LivePolicies> {
    const dir = resolveFromRoot(policies.dir);
    if (!policies.registry.enabled) {
      const set = onlyPolicies(
        (await readPolicyDir(dir)).map((f) => f.policy),
        policies.only,
        dir,
      );
      return new LivePolicies(
        set,
        { source: "folder", detail: `policies: folder ${dir} (registry disabled), set ${set.version}` },
        policies,
        logger,
        null,
        null,
      );
    }
    const { startTimeoutMs } = policies.registry;
    const redis = createRedis(
      redisSettings,
      // No offline queue: a call while Redis is away fails at once, and the next refresh tries again.
      {
        lazyConnect: true,
        connectTimeout: startTimeoutMs,
        commandTimeout: startTimeoutMs,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        retryStrategy: (times) => Math.min(times * 500, 5000),
      },
      "redis",
    );
    redis.on("error", () => undefined); // reported by the calls that fail
    const registry = new PolicyRegistry(redis, registryPrefix(redisSettings.keyPrefix));
    const snapshotFile = resolveFromRoot(policies.registry.snapshotFile);
    let folder: PolicyFile[] | Error;
    try {
      folder = await readPolicyDir(dir);
    } catch (error) {
      folder = error as Error;
    }
    try {
      const current = await withTimeout(
        (async () => {
          if (redis.status !== "ready") await redis.connect();
          if (!(folder instanceof Error)) {
            const seeded = await registry.seed(stored(folder));
            if (seeded.length > 0) logger.info({ policies: seeded.map((c) => `${c.id}@${c.version}`), from: dir }, "policy registry seeded");
          }
          return registry.currentPolicies();
        })(),
        startTimeoutMs,
      );
      if (current.length === 0 && folder instanceof Error) throw folder;
      const set = onlyPolicies(current.map(parseStored), policies.only, `the policy registry (${registry.prefix})`);
      const live = new LivePolicies(
        set,
        { source: "registry", detail: `policies: registry ${registry.prefix}, set ${set.version}` },
        policies,
        logger,
        redis,
        registry,
      );
      live.known = current;
      await live.keepSnapshot(current);
      await registry.recordSet(set).catch(() => undefined);
      return live;
    } catch (error) {
      if ((error as Error).message.startsWith("config: policies.only")) {
        redis.disconnect();
        throw error;
      }
      const why = (error as Error).message;
      const snapshot = await readSnapshot(snapshotFile, registry.prefix);
      let live: LivePolicies;
      if ("problem" in snapshot) {
        if (folder instanceof Error) {
          redis.disconnect();
          throw new Error(`the policy registry is unreachable (${why}), ${snapshot.problem}, and the policies folder cannot be read: ${folder.message}`);
        }
        const set = onlyPolicies(
          folder.map((f) => f.policy),
          policies.only,
          dir,
        );
        live = new LivePolicies(
          set,
          { source: "folder", detail: `policies: folder ${dir}, set ${set.version} (the registry was unreachable at start: ${why}; ${snapshot.problem})` },
          policies,
          logger,
          redis,
          registry,
        );
        live.known = stored(folder);
      } else {
        const set = onlyPolicies(snapshot.policies.map(parseStored), policies.only, snapshotFile);
        live = new LivePolicies(
          set,
          {
            source: "snapshot",
            detail: `policies: snapshot ${snapshotFile} saved ${new Date(snapshot.savedAt).toISOString()}, set ${set.version} (the registry was unreachable at start: ${why})`,
          },
          policies,
          logger,
          redis,
          registry,
        );
        live.snapshotted = snapshotKey(snapshot.policies);
        live.known = snapshot.policies;
      }
      live.outage = true;
      logger.warn(
        { policySet: live.set.version, source: live.state.source, err: why },
        `policy registry unreachable at start; running on the last known set: ${live.state.detail}`,
      );
      return live;
    }
  }

  /**
   * Starts following the registry: `listener` gets each new set (the one in force changes once it
   * resolves). The first re-read happens at once, so a change made since start is not missed.
   */
  async watch(listener: PolicySetListener): Promise<void> {
    if (!this.redis || !this.registry || this.watching) return;
    const subscriber = this.redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined, maxRetriesPerRequest: null });
    subscriber.on("error", () => undefined);
    subscriber.on("message", (_channel: string, message: string) => {
      let change: PolicyChange | null = null;
      try {
        change = JSON.parse(message) as PolicyChange;
      } catch {
        // Any message means: read the pointers again.
      }
      this.refresh(change);
    });
    // Subscribed again after a reconnection: what changed meanwhile was not announced to us.
    subscriber.on("ready", () => this.refresh(null));
    const timer = setInterval(() => this.refresh(null), this.settings.registry.refreshMs).unref();
    this.watching = { listener, timer, subscriber };
    subscriber.subscribe(this.registry.channel).catch(() => undefined);
    this.refresh(null);
    await this.chain;
  }

  /** Re-reads the registry (coalesced: one read runs at a time, and at most one waits). */
  private refresh(change: PolicyChange | null): void {
    if (this.closed) return;
    if (this.queued) return;
    this.queued = true;
    this.chain = this.chain.then(async () => {
      this.queued = false;
      if (this.closed) return;
      try {
        await this.reload(change);
      } catch (error) {
        if (!this.outage) this.logger.warn({ err: (error as Error).message }, "policy registry unreachable; keeping the policies in force");
        this.outage = true;
      }
    });
  }

  private async reload(change: PolicyChange | null): Promise<void> {
    const registry = this.registry!;
    if (this.redis!.status === "wait") await this.redis!.connect();
    let current = await registry.currentPolicies();
    if (current.length === 0 && this.known.length > 0) {
      // Flushed, or a new Redis: an empty registry would mean no policy at all, so it gets the set in force.
      await registry.seed(this.known);
      this.logger.warn({ policies: this.known.map((p) => `${p.id}@${p.version}`) }, "policy registry was empty; seeded it with the policies in force");
      current = await registry.currentPolicies();
    }
    let set: PolicySet;
    try {
      set = onlyPolicies(current.map(parseStored), this.settings.only, `the policy registry (${registry.prefix})`);
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, "policy registry holds a set this worker cannot run; keeping the policies in force");
      return;
    }
    if (this.outage) {
      this.outage = false;
      this.logger.info("policy registry reachable");
    }
    const from = this.set;
    if (set.version !== from.version) {
      await this.watching?.listener(set);
      this.set = set;
      this.known = current;
      const changed = set.policies
        .filter((p) => from.get(p.id)?.version !== p.version)
        .map((p) => `${p.id}@${from.get(p.id)?.version ?? "none"}->${p.version}`);
      this.logger.info({ from: from.version, to: set.version, changed, lagMs: change ? Date.now() - change.at : null }, "policies switched");
      await registry.recordSet(set).catch(() => undefined);
    }
    if (this.state.source !== "registry") this.state = { source: "registry", detail: `policies: registry ${registry.prefix}, set ${set.version}` };
    else if (set.version !== from.version) this.state = { source: "registry", detail: `policies: registry ${registry.prefix}, set ${set.version}` };
    await this.keepSnapshot(current);
  }

  /** Rewrites the snapshot when the registry's content differs from the last one written; a failed write is logged, not fatal. */
  private async keepSnapshot(current: StoredPolicy[]): Promise<void> {
    const key = snapshotKey(current);
    if (key === this.snapshotted) return;
    const file = resolveFromRoot(this.settings.registry.snapshotFile);
    try {
      await writeSnapshot(file, { savedAt: Date.now(), registry: this.registry!.prefix, policies: current });
      this.snapshotted = key;
    } catch (error) {
      this.logger.warn({ file, err: (error as Error).message }, "policy snapshot not written");
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.watching) {
      clearInterval(this.watching.timer);
      this.watching.subscriber.disconnect();
    }
    await this.chain;
    this.redis?.disconnect();
  }
}

function snapshotKey(policies: readonly StoredPolicy[]): string {
  return policies.map((p) => `${p.id}@${p.version}`).join(",");
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
