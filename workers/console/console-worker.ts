import type { AddressInfo } from "node:net";
import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { resolveSecret } from "@arbiter/shared/settings/transport-security.js";
import { ConsoleIntake } from "@arbiter/shared/console/console-intake.js";
import { ConsolePublisher } from "@arbiter/shared/console/console-publisher.js";
import { buildConsoleServer, type ConsoleServerDeps } from "@arbiter/shared/console/console-server.js";
import { RecordStore } from "@arbiter/shared/record/record-store.js";
import { ConsoleStore } from "@arbiter/shared/console/console-store.js";
import { ModeratorDirectory } from "@arbiter/shared/console/moderator-directory.js";
import { ModeratorLog } from "@arbiter/shared/console/moderator-log.js";
import type { Logger } from "@arbiter/shared/observability/logger.js";
import { LivePolicies } from "@arbiter/shared/policy-registry/live-policies.js";
import { Prefilter } from "@arbiter/shared/prefilter/prefilter.js";
import { RetryPolicy } from "@arbiter/shared/retry/retry-policy.js";
import { sinkParts, startSinkRuntime, type SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";

export interface RunningConsole extends SinkRuntime {
  /** Where the console's pages are served (its actual port when `console.port` is 0). */
  readonly url: string;
}

// Redis away: the console's intake waits for it, without end (it only stores).
const INTAKE_RETRY = { initialDelayMs: 200, maxDelayMs: 5000, maxAttempts: 0 };

/** Wires config → moderators, policies, Redis store, intake of tickets and audit, publisher, web server; starts. */
export async function startConsoleWorker(config: ArbiterConfig, logger: Logger): Promise<RunningConsole> {
  const log = logger.child({ worker: "console", workerId: config.workerId });
  const settings = config.console;
  const sessionSecret = settings.sessionSecret === undefined ? "" : resolveSecret(settings.sessionSecret, "console.sessionSecret");
  if (sessionSecret.length < 32) throw new ConfigError("console.sessionSecret", "must be set, at least 32 characters (e.g. `openssl rand -base64 48`)");
  const moderators = new ModeratorDirectory(settings.moderators === undefined ? undefined : resolveSecret(settings.moderators, "console.moderators"));
  // The policies in force, followed as the workers follow them: a `policy push` reaches the ticket pages within seconds.
  const policies = await LivePolicies.start(config.policies, config.redis, log);
  const { topics } = config.kafka;
  const parts = await sinkParts(config, log, "console", ["tickets", "audit", "decisions", "appeals"]);
  const { codecs, kafka, redis, metrics } = parts;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const store = new ConsoleStore(redis, config.redis.keyPrefix, settings.auditTtlHours * 3600, settings.retentionDays * 86_400);
  const recordStore = RecordStore.connect(config.record, log);
  let server: Awaited<ReturnType<typeof buildConsoleServer>> | undefined;
  try {
    const serverDeps: ConsoleServerDeps = {
      settings,
      sessionSecret,
      store,
      log: new ModeratorLog(redis, config.redis.keyPrefix, settings.logMaxEntries),
      moderators,
      publisher: new ConsolePublisher(producer, codecs, topics),
      policies: policies.current,
      prefilter: new Prefilter(policies.current),
      redis,
      keyPrefix: config.redis.keyPrefix,
      metrics,
      logger: log,
      // The pool connects at the first search: a console whose store is down still serves tickets.
      record: recordStore,
    };
    server = await buildConsoleServer(serverDeps);
    // The server reads deps.policies and deps.prefilter at each request: a new set takes effect at the next page.
    await policies.watch((next) => {
      serverDeps.prefilter = new Prefilter(next);
      serverDeps.policies = next;
      log.info({ policySet: next.version }, "console: policies switched");
    });
    await producer.connect();
    const app = server;
    await app.listen({ host: settings.host, port: settings.port });
    const retry = new RetryPolicy(INTAKE_RETRY);
    const deps = { codecs, topics, metrics, logger: log, retry };
    const runtime = await startSinkRuntime(parts, {
      consumers: [
        { groupId: settings.groupId, topic: topics.tickets, handler: new ConsoleIntake(deps, "ticket", (ticket) => store.addTicket(ticket, Date.now())) },
        {
          groupId: `${settings.groupId}.audit`,
          topic: topics.audit,
          // Only what a moderator can read: reasoning, or an engine error. A funnel audit sample is not the reasoning behind
          // any decision (the prefilter's allow stands), so it is not shown beside one.
          handler: new ConsoleIntake(deps, "audit", (audit) =>
            !audit.sampled && audit.entries.some((e) => e.reasoning !== "" || e.error !== null) ? store.addAudit(audit) : Promise.resolve(),
          ),
        },
      ],
      ready: () => app.server.listening,
      beforeDrain: () => app.close(),
      afterDrain: async () => {
        await producer.disconnect();
        await policies.close();
        await recordStore.close();
      },
    });
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${settings.host.includes(":") ? `[${settings.host}]` : settings.host}:${port}`;
    log.info(
      { url, http: runtime.httpPort, moderators: moderators.size, policySet: policies.current.version, policySource: policies.status.source },
      "console started",
    );
    return { ...runtime, url };
  } catch (error) {
    await server?.close().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await policies.close().catch(() => undefined);
    await recordStore.close().catch(() => undefined);
    redis.disconnect();
    throw error;
  }
}
