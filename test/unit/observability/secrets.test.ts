import { maskCredentials } from "@arbiter/shared/errors/mask-credentials.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { capturedLogger } from "../../support/captured-logger.js";

const SECRET = "s3cr3t-pa55";

test("URL credentials are masked: userinfo of any scheme, and credential query parameters", () => {
  expect(maskCredentials("redis://user:s3cr3t-pa55@cache:6379/0")).toBe("redis://[Redacted]@cache:6379/0");
  expect(maskCredentials("GET http://admin:p@ss/w#rd@forum.example/api failed")).toBe("GET http://[Redacted]@forum.example/api failed");
  expect(maskCredentials("rediss://:s3cr3t-pa55@cache")).toBe("rediss://[Redacted]@cache");
  expect(maskCredentials("https://hook.example/x?token=abc123&page=2&api_key=k9")).toBe("https://hook.example/x?token=[Redacted]&page=2&api_key=[Redacted]");
  // Nothing to mask: left as it is.
  expect(maskCredentials("http://forum.example/posts/1/hide")).toBe("http://forum.example/posts/1/hide");
  expect(maskCredentials("post p1 hidden")).toBe("post p1 hidden");
});

test("every Arbiter error masks the URL credentials its message quotes", () => {
  const error = new ConfigError("redis.url", `cannot connect to redis://arbiter:${SECRET}@cache:6379`);
  expect(error.message).toBe("config: redis.url: cannot connect to redis://[Redacted]@cache:6379");
});

test("a config error about a bad ARBITER_CONFIG_JSON does not print the credentials it holds", () => {
  let message = "";
  try {
    loadConfig({}, { ARBITER_CONFIG_JSON: `{"redis":{"url":"redis://arbiter:${SECRET}@cache:6379"}` });
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toMatch(/ARBITER_CONFIG_JSON/);
  expect(message).not.toContain(SECRET);
});

test("the logger redacts authorization, cookies, headers and tokens, at the top and nested", () => {
  const { logger, lines, text } = capturedLogger();
  logger.info(
    {
      authorization: `Bearer ${SECRET}`,
      cookie: `arbiter_session=${SECRET}`,
      headers: { "x-api-key": SECRET, accept: "application/json" },
      request: { headers: { authorization: `Basic ${SECRET}` }, cookie: SECRET, Authorization: SECRET },
      response: { "set-cookie": `sid=${SECRET}` },
      config: { forum: { token: SECRET, accessToken: SECRET, apiKey: SECRET } },
      postId: "p1",
    },
    "call",
  );
  expect(text()).not.toContain(SECRET);
  expect(lines[0]).toMatchObject({ authorization: "[Redacted]", cookie: "[Redacted]", headers: "[Redacted]", postId: "p1" });
  expect(lines[0]!.request).toEqual({ headers: "[Redacted]", cookie: "[Redacted]", Authorization: "[Redacted]" });
});

test("URL credentials are masked wherever they appear in a log line: fields, messages, errors", () => {
  const { logger, lines, text } = capturedLogger();
  const url = `redis://arbiter:${SECRET}@cache:6379`;
  logger.warn({ url, redisUrl: url, target: url, err: new Error(`connect failed: ${url}`), nested: { why: [`at ${url}`] } }, `cannot reach ${url}`);
  logger.error(new Error(`ECONNREFUSED ${url}`));
  logger.info(`plain message with ${url}`);
  expect(text()).not.toContain(SECRET);
  expect(lines[0]).toMatchObject({
    url: "redis://[Redacted]@cache:6379",
    target: "redis://[Redacted]@cache:6379",
    msg: "cannot reach redis://[Redacted]@cache:6379",
  });
  expect((lines[0]!.err as { message: string }).message).toBe("connect failed: redis://[Redacted]@cache:6379");
  expect((lines[1]!.err as { stack: string }).stack).toContain("ECONNREFUSED redis://[Redacted]@cache:6379");
  expect(lines[2]!.msg).toBe("plain message with redis://[Redacted]@cache:6379");
});
