import { assertNever } from "../../errors/assert-never.js";
import type { AutoHideSettings } from "../auto-hide/auto-hide-settings.js";
import { DiscourseAdapter } from "./discourse.js";
import { HttpTemplateAdapter } from "./http.js";
import { LemmyAdapter } from "./lemmy.js";
import { NodebbAdapter } from "./nodebb.js";
import { createDiscordAdapter } from "./discord.js";
import { createRedditAdapter } from "./reddit.js";
import type { PlatformAdapter } from "./platform-adapter.js";
import type { PlatformDeps } from "./platform-endpoint.js";
import type { ForumPlatformSettings } from "./platform-settings.js";

export interface AdapterDeps extends PlatformDeps {
  /** The URL templates the `http` platform uses. */
  forum: AutoHideSettings["forum"];
}

/** The adapter of one forum of `autoHide.forums`: a platform is one case here (and one member of `forumPlatformSchema`). */
export function createPlatformAdapter(forumSettings: ForumPlatformSettings, deps: AdapterDeps): PlatformAdapter {
  switch (forumSettings.platform) {
    case "discourse":
      return new DiscourseAdapter(forumSettings, deps);
    case "lemmy":
      return new LemmyAdapter(forumSettings, deps);
    case "nodebb":
      return new NodebbAdapter(forumSettings, deps);
    // Reddit and Discord read the platform's own rate-limit headers; the forum's local rate applies before each call too.
    case "reddit":
      return rateLimited(createRedditAdapter(forumSettings, deps, deps.setting), deps);
    case "discord":
      return rateLimited(createDiscordAdapter(forumSettings, deps, deps.setting), deps);
    case "http":
      return new HttpTemplateAdapter(deps.forum, deps);
    default:
      return assertNever(forumSettings);
  }
}

/** The forum's local rate (`autoHide.rateLimit`) taken before each call of an adapter that does not take it itself. */
function rateLimited(adapter: PlatformAdapter, deps: AdapterDeps): PlatformAdapter {
  const acquire = async (forumId: string, signal: AbortSignal) => deps.metrics.rateLimitWait.inc((await deps.limiter.acquire(forumId, signal)) / 1000);
  const limited: PlatformAdapter = {
    platform: adapter.platform,
    async perform(call, decision, signal) {
      await acquire(decision.forumId, signal);
      return adapter.perform(call, decision, signal);
    },
  };
  const report = adapter.report?.bind(adapter);
  if (report)
    limited.report = async (ticket, signal) => {
      await acquire(ticket.forumId, signal);
      return report(ticket, signal);
    };
  return limited;
}

/**
 * The adapters of the forums of `autoHide.forums` (forum id → adapter), built once: the auto-hide
 * sink drives them, and the ticket sink sends its tickets to their review queues; `deps` gives
 * each its setting's name (`autoHide.forums.<id>`).
 */
export function createForumAdapters(
  forums: Readonly<Record<string, ForumPlatformSettings>>,
  deps: (setting: string) => AdapterDeps,
): Map<string, PlatformAdapter> {
  const adapters = new Map<string, PlatformAdapter>();
  for (const [forumId, forum] of Object.entries(forums)) adapters.set(forumId, createPlatformAdapter(forum, deps(`autoHide.forums.${forumId}`)));
  return adapters;
}
