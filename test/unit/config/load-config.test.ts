import { thrown } from "../../support/thrown.js";
import { ConfigError } from "@arbiter/shared/config/config-error.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";

const noEnv = {};

test("defaults load and the worker id falls back to the host name", () => {
  const config = loadConfig({}, noEnv);
  expect(config.role).toBe("primary");
  expect(config.kafka.topics.decisions).toBe("moderation.decisions");
  expect(config.workerId.length).toBeGreaterThan(0);
});

test("environment shortcuts and overrides apply in order", () => {
  const config = loadConfig(
    { kafka: { exactlyOnce: true } },
    { KAFKA_BROKERS: "h1:1, h2:2", ARBITER_ROLE: "escalation", ARBITER_CONFIG_JSON: '{"cache":{"ttlSeconds":5}}' },
  );
  expect(config.kafka.brokers).toEqual(["h1:1", "h2:2"]);
  expect(config.role).toBe("escalation");
  expect(config.cache.ttlSeconds).toBe(5);
  expect(config.kafka.exactlyOnce).toBe(true);
});

test.each([
  [{ role: "judge" }, "role"],
  [{ kafka: { brokers: ["nohost"] } }, "kafka.brokers[0]"],
  [{ kafka: { topics: { decisions: "bad topic!" } } }, "kafka.topics.decisions"],
  [{ kafka: { heartbeatIntervalMs: 20000 } }, "kafka.heartbeatIntervalMs"],
  [{ kafka: { sessionTimeoutMs: 90000 } }, "kafka.sessionTimeoutMs"],
  [{ input: { format: "xml" } }, "input.format"],
  [{ cache: { url: "http://x" } }, "cache.url"],
  [{ pipeline: { engineAttempts: 0 } }, "pipeline.engineAttempts"],
  [{ kafak: {} }, "kafak"],
  [{ kafka: { exactlyonce: true } }, "kafka.exactlyonce"],
])("a bad setting %j fails at start naming %s", (overrides, field) => {
  const error = thrown(() => loadConfig(overrides, noEnv), ConfigError);
  expect(error.field).toBe(field);
  expect(error.message).toContain(field);
});

test("an unreadable config file names the variable and the path", () => {
  const error = thrown(() => loadConfig({}, { ARBITER_CONFIG: "/nonexistent/arbiter.json" }), ConfigError);
  expect(error.message).toMatch(/ARBITER_CONFIG.*\/nonexistent\/arbiter\.json/);
});
