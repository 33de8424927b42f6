import { assertNever } from "../../errors/assert-never.js";
import type { AutoHideSettings } from "../auto-hide/auto-hide-settings.js";
import { DiscourseAdapter } from "./discourse.js";
import { HttpTemplateAdapter } from "./http.js";
import { LemmyAdapter } from "./lemmy.js";
import { NodebbAdapter } from "./nodebb.js";
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
    case "http":
      return new HttpTemplateAdapter(deps.forum, deps);
    default:
      return assertNever(forumSettings);
  }
}
