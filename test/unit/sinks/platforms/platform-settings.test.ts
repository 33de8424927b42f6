import { autoHideSchema } from "@arbiter/shared/sinks/auto-hide/auto-hide-settings.js";
import { forumRates } from "@arbiter/shared/sinks/auto-hide/forum-rate-limiter.js";

test("autoHide.forums picks each forum's schema by platform; none listed leaves every forum on the URL templates", () => {
  expect(autoHideSchema.parse({}).forums).toEqual({});
  const parsed = autoHideSchema.parse({
    forums: {
      meta: { platform: "discourse", baseUrl: "https://meta.example.org", apiKey: { env: "DISCOURSE_KEY" }, apiUsername: "arbiter" },
      lem: { platform: "lemmy", baseUrl: "https://lemmy.example.org", jwt: { file: "/run/secrets/lemmy" } },
      old: { platform: "http" },
    },
  });
  expect(parsed.forums.meta).toMatchObject({ platform: "discourse", flagTypeId: 4, perSecond: 1, notice: "" });
  expect(parsed.forums.lem).toMatchObject({ platform: "lemmy", reason: "Removed by Arbiter pending review" });
});

test("an unknown platform, a missing credential or a stray field is refused, naming the path", () => {
  const problems = (forum: unknown) => autoHideSchema.safeParse({ forums: { f1: forum } }).error?.issues.map((i) => i.path.join(".")) ?? [];
  expect(problems({ platform: "myspace", baseUrl: "https://x.org" })).toEqual(["forums.f1.platform"]);
  expect(problems({ platform: "nodebb", baseUrl: "https://x.org" })).toEqual(["forums.f1.token"]);
  expect(problems({ platform: "lemmy", baseUrl: "https://x.org", jwt: "j", apiKey: "k" })).toEqual(["forums.f1"]);
  expect(problems({ platform: "discourse", baseUrl: "not a url", apiKey: "k", apiUsername: "u" })).toEqual(["forums.f1.baseUrl"]);
});

test("a platform forum's perSecond is its rate, unless autoHide.rateLimit.forums names the forum", () => {
  const settings = autoHideSchema.parse({
    rateLimit: { perSecond: 20, forums: { lem: 9 } },
    forums: {
      meta: { platform: "discourse", baseUrl: "https://meta.example.org", apiKey: "k", apiUsername: "arbiter" },
      lem: { platform: "lemmy", baseUrl: "https://lemmy.example.org", jwt: "j", perSecond: 3 },
      old: { platform: "http" },
    },
  });
  expect(forumRates(settings)).toEqual({ perSecond: 20, burst: 20, forums: { meta: 1, lem: 9 } });
});
