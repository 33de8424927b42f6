import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError } from "@arbiter/shared/config/config-error.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { thrown } from "../../support/thrown.js";

const dir = mkdtempSync(path.join(tmpdir(), "arbiter-secrets-"));

test("secrets are unset by default", () => {
  const config = loadConfig({}, {});
  expect(config.autoHide.forum.token).toBeUndefined();
  expect(config.tickets.webhook.token).toBeUndefined();
  expect(config.console.sessionSecret).toBeUndefined();
  expect(config.console.moderators).toBeUndefined();
});

test("a secret is read from the environment (env:NAME) or a mounted file (file:/path), or taken as written", () => {
  const file = path.join(dir, "forum-token");
  writeFileSync(file, "from-a-file\n");
  process.env.ARBITER_TEST_PAGER_TOKEN = "from-the-env";
  try {
    const config = loadConfig({ autoHide: { forum: { token: `file:${file}` }, pager: { token: "env:ARBITER_TEST_PAGER_TOKEN" } }, tickets: { webhook: { token: "as-written" } } }, {});
    expect(config.autoHide.forum.token).toBe("from-a-file");
    expect(config.autoHide.pager.token).toBe("from-the-env");
    expect(config.tickets.webhook.token).toBe("as-written");
  } finally {
    delete process.env.ARBITER_TEST_PAGER_TOKEN;
  }
});

test("a secret whose variable or file is missing stops the start, naming the setting and never the value", () => {
  const unsetVariable = thrown(() => loadConfig({ console: { sessionSecret: "env:ARBITER_TEST_NOT_SET" } }, {}), ConfigError);
  expect(unsetVariable.field).toBe("console.sessionSecret");
  expect(unsetVariable.message).toMatch(/environment variable ARBITER_TEST_NOT_SET, which is not set/);
  const missingFile = thrown(() => loadConfig({ console: { moderators: `file:${path.join(dir, "nope")}` } }, {}), ConfigError);
  expect(missingFile.field).toBe("console.moderators");
  expect(missingFile.message).toMatch(/cannot be read \(ENOENT\)/);
});
