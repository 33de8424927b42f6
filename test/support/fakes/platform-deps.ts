import type { Decision } from "@arbiter/shared/codec/records.js";
import { RetryPolicy } from "@arbiter/shared/retry/retry-policy.js";
import { ForumRateLimiter } from "@arbiter/shared/sinks/auto-hide/forum-rate-limiter.js";
import type { ForumCall } from "@arbiter/shared/sinks/auto-hide/post-action-plan.js";
import type { AdapterDeps } from "@arbiter/shared/sinks/platforms/adapters.js";
import type { PlatformAdapter } from "@arbiter/shared/sinks/platforms/platform-adapter.js";
import { SinkMetrics } from "@arbiter/shared/sinks/sink-metrics.js";
import { capturedLogger } from "../captured-logger.js";
import { decisionFor } from "../decisions.js";

/** What a platform adapter is built with in a contract test: no real waits; `waits` records each retry's delay. */
export function adapterDeps(forumId: string): AdapterDeps & { waits: number[]; log: () => string } {
  const waits: number[] = [];
  const { logger, text } = capturedLogger();
  const sleep = (ms: number) => {
    waits.push(ms);
    return Promise.resolve();
  };
  return {
    setting: `autoHide.forums.${forumId}`,
    forum: {} as AdapterDeps["forum"],
    limiter: new ForumRateLimiter({ perSecond: 1000, burst: 1000, forums: {} }),
    retry: new RetryPolicy({ initialDelayMs: 1, maxDelayMs: 60_000, maxAttempts: 4 }, () => 0, sleep),
    metrics: new SinkMetrics(),
    logger,
    waits,
    log: text,
  };
}

/** Runs one call of an adapter for a decision about `postId` (a model's, unless `stage` says human). */
export function perform(adapter: PlatformAdapter, call: ForumCall, postId: string, forumId: string, stage: Decision["stage"] = "primary") {
  const decision = decisionFor(postId, call === "unhide" ? "ALLOW" : "HIDE", stage, { forumId });
  return adapter.perform(call, decision, new AbortController().signal);
}
