import { ForumClient } from "@arbiter/shared/sinks/auto-hide/forum-client.js";
import { AutoHideHandler } from "@arbiter/shared/sinks/auto-hide/auto-hide-handler.js";
import { PostActionStore } from "@arbiter/shared/sinks/auto-hide/post-action-store.js";
import { PagerRateLimiter } from "@arbiter/shared/sinks/auto-hide/pager-rate-limiter.js";
import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import type { Logger } from "@arbiter/shared/observability/logger.js";
import { ForumRateLimiter, forumRates } from "@arbiter/shared/sinks/auto-hide/forum-rate-limiter.js";
import { RetryPolicy } from "@arbiter/shared/retry/retry-policy.js";
import { sinkParts, startSinkRuntime, type SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import { templateProblem } from "@arbiter/shared/sinks/url-template.js";

const PLACEHOLDERS = ["forumId", "postId", "decisionId"];

/**
 * Stops the start on a URL the sink cannot use; warns about the optional ones left unset. The
 * hide and unhide templates are needed unless every forum is on a platform of `autoHide.forums`.
 */
function checkUrls(config: ArbiterConfig, logger: Logger): void {
  const { forum, pager, forums } = config.autoHide;
  const templatesNeeded = Object.keys(forums).length === 0 || Object.values(forums).some((f) => f.platform === "http");
  const urls: [string, string, boolean][] = [
    ["autoHide.forum.hide.url", forum.hide.url, templatesNeeded],
    ["autoHide.forum.unhide.url", forum.unhide.url, templatesNeeded],
    ["autoHide.forum.banner.url", forum.banner.url, false],
    ["autoHide.forum.unbanner.url", forum.unbanner.url, false],
    ["autoHide.pager.url", pager.url, false],
  ];
  for (const [setting, url, required] of urls) {
    if (url === "") {
      if (required) throw new ConfigError(setting, "must be set to run the auto-hide sink");
      logger.warn({ setting }, "not set: decisions that need this call (for a forum not in autoHide.forums) go to the dead-letter topic");
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
  const { topics } = config.kafka;
  const parts = await sinkParts(config, log, "auto-hide", ["decisions"]);
  const retry = new RetryPolicy(settings.retry);
  const handler = new AutoHideHandler({
    codecs: parts.codecs,
    topics,
    store: new PostActionStore(parts.redis, config.redis.keyPrefix, settings.stateTtlDays * 86_400),
    forum: new ForumClient(settings, new ForumRateLimiter(forumRates(settings)), retry, parts.metrics, log),
    pagerLimit: new PagerRateLimiter(parts.redis, config.redis.keyPrefix, settings.pager.rateLimit),
    retry,
    metrics: parts.metrics,
    logger: log,
  });
  const runtime = await startSinkRuntime(parts, { consumers: [{ groupId: settings.groupId, topic: topics.decisions, handler }] });
  log.info({ http: runtime.httpPort }, "auto-hide sink started");
  return runtime;
}
