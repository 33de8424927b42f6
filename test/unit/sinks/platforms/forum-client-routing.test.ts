import { autoHideSchema } from "@arbiter/shared/sinks/auto-hide/auto-hide-settings.js";
import { ForumClient } from "@arbiter/shared/sinks/auto-hide/forum-client.js";
import { decisionFor, verdict } from "../../../support/decisions.js";
import { FakeForum } from "../../../support/fake-forum.js";
import { DiscordFake } from "../../../support/fakes/discord-fake.js";
import { DiscourseFake } from "../../../support/fakes/discourse-fake.js";
import { adapterDeps } from "../../../support/fakes/platform-deps.js";

const forum = new FakeForum();
const discourse = new DiscourseFake("k", "mod");
beforeAll(() => Promise.all([forum.start(), discourse.start()]));
afterAll(() => Promise.all([forum.stop(), discourse.stop()]));

function client() {
  const settings = autoHideSchema.parse({
    forum: forum.forumCalls,
    forums: { meta: { platform: "discourse", baseUrl: discourse.baseUrl, apiKey: "k", apiUsername: "mod" }, listed: { platform: "http" } },
    pager: { url: `${forum.baseUrl}/pages` },
  });
  const { limiter, retry, metrics, logger } = adapterDeps("x");
  return new ForumClient(settings, limiter, retry, metrics, logger);
}

test("a forum on a platform gets its platform's calls; others (listed as http or not listed) the URL templates; pages the pager", async () => {
  discourse.addPost(77);
  const forums = client();
  const signal = new AbortController().signal;
  expect(forums.adapterFor("meta").platform).toBe("discourse");
  expect(forums.adapterFor("unlisted").platform).toBe("http");
  await forums.perform("hide", decisionFor("77", "HIDE", "primary", { forumId: "meta" }), signal);
  await forums.perform("hide", decisionFor("77", "HIDE", "primary", { forumId: "listed" }), signal);
  await forums.perform("hide", decisionFor("78", "HIDE", "primary", { forumId: "unlisted" }), signal);
  const paging = decisionFor("77", "HIDE", "primary", { forumId: "meta", verdicts: [verdict("self-harm", "violate", { page: true })] });
  await forums.perform("page", paging, signal);
  expect(discourse.isHidden(77)).toBe(true);
  expect(discourse.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /post_actions"]);
  expect(forum.applied.map((a) => `${a.call} ${a.forumId}`)).toEqual(["hide listed", "hide unlisted"]);
  expect(forum.pages).toEqual([expect.objectContaining({ call: "page", forumId: "meta", postId: "77" })]);
});

test("a Discord forum in autoHide.forums: the model's HIDE raises a ticket in the moderators' channel, a moderator's HIDE deletes", async () => {
  const discord = await new DiscordFake({ botToken: "bot-token", bucketLimit: 50 }).start();
  try {
    discord.addMessage("111", "222");
    const settings = autoHideSchema.parse({
      forums: { chat: { platform: "discord", botToken: "bot-token", guildId: "1", moderatorChannelId: "999", apiUrl: discord.url } },
    });
    const { limiter, retry, metrics, logger } = adapterDeps("x");
    const forums = new ForumClient(settings, limiter, retry, metrics, logger);
    const signal = new AbortController().signal;
    expect(forums.adapterFor("chat").platform).toBe("discord");
    await forums.perform("hide", decisionFor("111:222", "HIDE", "primary", { forumId: "chat" }), signal);
    expect(discord.has("111", "222")).toBe(true);
    expect(discord.messages("999")).toHaveLength(1);
    await forums.perform("hide", decisionFor("111:222", "HIDE", "human", { forumId: "chat" }), signal);
    expect(discord.has("111", "222")).toBe(false);
  } finally {
    await discord.stop();
  }
});
