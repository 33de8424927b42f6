import { ForumClient } from "@arbiter/shared/auto-hide/forum-client.js";
import { AutoHideHandler } from "@arbiter/shared/auto-hide/auto-hide-handler.js";
import { PostActionStore } from "@arbiter/shared/auto-hide/post-action-store.js";
import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { ConfigError } from "@arbiter/shared/config/config-error.js";
import { createKafka, ensureTopics } from "@arbiter/shared/kafka/kafka-client.js";
import type { Logger } from "@arbiter/shared/observability/logger.js";
import { createCodecs } from "@arbiter/shared/pipeline/codecs.js";
import { ForumRateLimiter } from "@arbiter/shared/sinks/forum-rate-limiter.js";
import { KeyOrderedProcessor } from "@arbiter/shared/sinks/key-ordered-processor.js";
import { RetryPolicy } from "@arbiter/shared/sinks/retry-policy.js";
import { SinkMetrics } from "@arbiter/shared/sinks/sink-metrics.js";
import { sinkRedis } from "@arbiter/shared/sinks/sink-redis.js";
import { startSinkRuntime, type SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import { templateProblem } from "@arbiter/shared/sinks/url-template.js";

const PLACEHOLDERS = ["forumId", "postId", "decisionId"];

/** Stops the start on a URL the sink cannot use; warns about the optional ones left unset. */
function checkUrls(config: ArbiterConfig, logger: Logger): void {
  const { forum, pager } = config.autoHide;
  const urls: [string, string, boolean][] = [
    ["autoHide.forum.hide.url", forum.hide.url, true],
    ["autoHide.forum.unhide.url", forum.unhide.url, true],
    ["autoHide.forum.banner.url", forum.banner.url, false],
    ["autoHide.forum.unbanner.url", forum.unbanner.url, false],
    ["autoHide.pager.url", pager.url, false],
  ];
  for (const [setting, url, required] of urls) {
    if (url === "") {
      if (required) throw new ConfigError(setting, "must be set to run the auto-hide sink");
      logger.warn({ setting }, "not set: decisions that need this call go to the dead-letter topic");
      continue;
    }
    const problem = templateProblem(url, PLACEHOLDERS);
    if (problem) throw new ConfigError(setting, problem);
  }
}

/** Wires config → Redis state, forum client, decisions consumer; starts consuming. */
export async function startAutoHideWorker(config: ArbiterConfig, logger: Logger): Promise<SinkRuntime> {
  const log = logger.child({ worker: "auto-hide", workerId: config.workerId });
  checkUrls(config, log);
  const settings = config.autoHide;
  const metrics = new SinkMetrics();
  const codecs = createCodecs();
  const { topics } = config.kafka;
  const kafka = createKafka(config.kafka, `${config.kafka.clientId}-auto-hide`, log);
  if (config.kafka.createTopics) await ensureTopics(kafka, [topics.decisions, topics.dlq], config.kafka.topicPartitions);
  const redis = sinkRedis(config.cache.url, log);
  const retry = new RetryPolicy(settings.retry);
  const handler = new AutoHideHandler({
    codecs,
    topics,
    store: new PostActionStore(redis, config.cache.keyPrefix, settings.stateTtlDays * 86_400),
    forum: new ForumClient(settings, new ForumRateLimiter(settings.rateLimit), retry, metrics, log),
    retry,
    metrics,
    logger: log,
  });
  try {
    const runtime = await startSinkRuntime({
      config,
      kafka,
      metrics,
      logger: log,
      consumers: [{ groupId: settings.groupId, topic: topics.decisions, processor: new KeyOrderedProcessor(handler, { codecs, topics, metrics, logger: log }) }],
      afterDrain: async () => void (await redis.quit()),
    });
    log.info({ http: runtime.httpPort }, "auto-hide sink started");
    return runtime;
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}
