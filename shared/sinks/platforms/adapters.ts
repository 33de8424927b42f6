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
  return {
    platform: adapter.platform,
    async perform(call, decision, signal) {
      deps.metrics.rateLimitWait.inc((await deps.limiter.acquire(decision.forumId, signal)) / 1000);
      return adapter.perform(call, decision, signal);
    },
  };
}
