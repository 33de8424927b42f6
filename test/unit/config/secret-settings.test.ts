import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { HttpEndpoint } from "@arbiter/shared/sinks/http-endpoint.js";
import { startConsoleWorker } from "../../../workers/console/console-worker.js";

const dir = mkdtempSync(path.join(tmpdir(), "arbiter-secrets-"));

test("the sinks' and the console's secrets are unset by default and take a string, {env} or {file}", () => {
  const defaults = loadConfig({}, {});
  expect([
    defaults.autoHide.forum.token,
    defaults.autoHide.pager.token,
    defaults.tickets.webhook.token,
    defaults.console.sessionSecret,
    defaults.console.moderators,
  ]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  const config = loadConfig(
    { autoHide: { forum: { token: { file: "/run/secrets/forum" } }, pager: { token: { env: "PAGER_TOKEN" } } }, tickets: { webhook: { token: "local-test" } } },
    {},
  );
  expect(config.autoHide.forum.token).toEqual({ file: "/run/secrets/forum" });
  expect(config.autoHide.pager.token).toEqual({ env: "PAGER_TOKEN" });
  expect(() => loadConfig({ console: { sessionSecret: { vault: "x" } } } as never, {})).toThrow(
    /console\.sessionSecret.*must be a string, \{env: VARIABLE\} or \{file: path\}/,
  );
});

test("an endpoint reads its token when it is made, and sends it as a bearer token; a token that cannot be read names its setting", async () => {
  const file = path.join(dir, "forum-token");
  writeFileSync(file, "from-a-file\n");
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => (seen.push(req.headers.authorization), res.end("{}")));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hide`;
    await new HttpEndpoint({ headers: {}, token: { file }, timeoutMs: 2000 }, "autoHide.forum.token").call(
      { method: "POST", url, body: {} },
      new AbortController().signal,
    );
    expect(seen).toEqual(["Bearer from-a-file"]);
  } finally {
    server.close();
  }
  const error = (() => {
    try {
      new HttpEndpoint({ headers: {}, token: { env: "ARBITER_TEST_UNSET_TOKEN" }, timeoutMs: 1 }, "autoHide.pager.token");
    } catch (e) {
      return e;
    }
  })();
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).field).toBe("autoHide.pager.token");
});

test("the console does not start without a readable session secret and moderators, naming the setting, before it connects to anything", async () => {
  const unset = loadConfig({ console: { sessionSecret: { env: "ARBITER_TEST_UNSET_SECRET" } }, kafka: { brokers: ["127.0.0.1:1"] } }, {});
  await expect(startConsoleWorker(unset, silentLogger)).rejects.toMatchObject({ name: "ConfigError", field: "console.sessionSecret" });
  const short = loadConfig({ console: { sessionSecret: "too short" }, kafka: { brokers: ["127.0.0.1:1"] } }, {});
  await expect(startConsoleWorker(short, silentLogger)).rejects.toThrow(/console\.sessionSecret: must be set, at least 32 characters/);
  const noModerators = loadConfig(
    { console: { sessionSecret: "x".repeat(40), moderators: { file: path.join(dir, "missing") } }, kafka: { brokers: ["127.0.0.1:1"] } },
    {},
  );
  await expect(startConsoleWorker(noModerators, silentLogger)).rejects.toMatchObject({ name: "ConfigError", field: "console.moderators" });
});
