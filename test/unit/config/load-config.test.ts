import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { thrown } from "../../support/thrown.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";

const noEnv = {};
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "arbiter-config-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a config file into this test's folder and returns its path. */
function configFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

test("defaults load and the worker id falls back to the host name", () => {
  const config = loadConfig({}, noEnv);
  expect(config.role).toBe("primary");
  expect(config.kafka.topics.decisions).toBe("moderation.decisions");
  expect(config.workerId.length).toBeGreaterThan(0);
  expect(config.workerId).toBe(hostname());
  expect(loadConfig({}, { ARBITER_WORKER_ID: "w-7" }).workerId).toBe("w-7");
});

test("the engine sections are typed engine options with the deployment's defaults over the engine's", () => {
  const { engine, escalationEngine } = loadConfig({}, noEnv);
  expect(engine).toMatchObject({
    modelPath: "models/gpt-oss-safeguard-20b.gguf",
    modelId: "gpt-oss-safeguard-20b",
    sequences: 3,
    contextSize: 8192,
    defaultEffort: "medium",
    threads: 1,
  });
  // A split GGUF's id is the model's name, not its first part's.
  expect(escalationEngine).toMatchObject({
    modelPath: "models/gpt-oss-safeguard-120b-00001-of-00002.gguf",
    modelId: "gpt-oss-safeguard-120b",
    sequences: 1,
    contextSize: 8192,
    defaultEffort: "high",
  });
  expect(engine.analysisBudget).toEqual({ low: 128, medium: 512, high: 2048 });
  // A partial section keeps the section's other defaults (not the engine's own: sequences stays 3).
  const partial = loadConfig({ engine: { threads: 2, analysisBudget: { high: 4096 } } }, noEnv).engine;
  expect(partial).toMatchObject({
    threads: 2,
    sequences: 3,
    modelPath: "models/gpt-oss-safeguard-20b.gguf",
    analysisBudget: { low: 128, medium: 512, high: 4096 },
  });
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

test("layers: file, then ARBITER_CONFIG_JSON, then shortcuts, then overrides; objects merge, lists replace", () => {
  const file = configFile(
    "layers.json",
    JSON.stringify({ kafka: { clientId: "from-file", groupId: "from-file", brokers: ["f:1", "f:2"] }, log: { level: "debug" }, http: { port: 1 } }),
  );
  const config = loadConfig(
    { log: { level: "error" } },
    {
      ARBITER_CONFIG: file,
      ARBITER_CONFIG_JSON: JSON.stringify({ kafka: { clientId: "from-json", brokers: ["j:1"] }, http: { port: 2 } }),
      KAFKA_BROKERS: "e:1",
      LOG_LEVEL: "warn",
      ARBITER_HTTP_PORT: "3",
      REDIS_URL: "redis://cache:6380",
      ARBITER_MODEL: "/m/a.gguf",
      ARBITER_ESCALATION_MODEL: "/m/b.gguf",
    },
  );
  expect(config.kafka.clientId).toBe("from-json");
  expect(config.kafka.groupId).toBe("from-file");
  expect(config.kafka.brokers).toEqual(["e:1"]);
  expect(config.log.level).toBe("error");
  expect(config.http.port).toBe(3);
  expect(config.redis.url).toBe("redis://cache:6380");
  expect(config.engine.modelPath).toBe("/m/a.gguf");
  expect(config.engine.modelId).toBe("a");
  expect(config.escalationEngine.modelPath).toBe("/m/b.gguf");
  // Untouched keys of a merged section keep their defaults.
  expect(config.kafka.topics.posts).toBe("posts");
});

test("a parsed config is valid input again (a spawned worker gets it as ARBITER_CONFIG_JSON)", () => {
  const config = loadConfig({ role: "escalation", engine: { currentDate: "2026-01-02" }, pipeline: { effort: "low" } }, noEnv);
  expect(loadConfig({}, { ARBITER_CONFIG_JSON: JSON.stringify(config) })).toEqual(config);
});

test.each([
  [{ role: "judge" }, "role"],
  [{ kafka: { brokers: ["nohost"] } }, "kafka.brokers[0]"],
  [{ kafka: { brokers: [] } }, "kafka.brokers"],
  [{ kafka: { topics: { decisions: "bad topic!" } } }, "kafka.topics.decisions"],
  [{ kafka: { heartbeatIntervalMs: 20000 } }, "kafka.heartbeatIntervalMs"],
  [{ kafka: { sessionTimeoutMs: 90000 } }, "kafka.sessionTimeoutMs"],
  [{ kafka: { partitionsConsumedConcurrently: 1.5 } }, "kafka.partitionsConsumedConcurrently"],
  [{ input: { format: "xml" } }, "input.format"],
  [{ redis: { url: "http://x" } }, "redis.url"],
  [{ pipeline: { engineAttempts: 0 } }, "pipeline.engineAttempts"],
  [{ pipeline: { effort: "extreme" } }, "pipeline.effort"],
  [{ http: { port: 70000 } }, "http.port"],
  [{ log: { level: "verbose" } }, "log.level"],
  [{ engine: { analysisBudget: { low: 600 } } }, "engine.analysisBudget"],
  [{ escalationEngine: { contextSize: 512 } }, "escalationEngine.contextSize"],
  [{ engine: { modelPath: " " } }, "engine.modelPath"],
  [{ kafak: {} }, "kafak"],
  [{ kafka: { exactlyonce: true } }, "kafka.exactlyonce"],
])("a bad setting %j fails at start naming %s", (overrides, field) => {
  const error = thrown(() => loadConfig(overrides, noEnv), ConfigError);
  expect(error.field).toBe(field);
  expect(error.message).toContain(field);
});

test("a disabled cache needs no redis:// URL when the policy registry is off too; the registry alone needs one", () => {
  expect(loadConfig({ cache: { enabled: false }, redis: { url: "" }, policies: { registry: { enabled: false } } }, noEnv).cache.enabled).toBe(false);
  const error = thrown(() => loadConfig({ cache: { enabled: false }, redis: { url: "" } }, noEnv), ConfigError);
  expect(error.field).toBe("redis.url");
  expect(error.message).toContain("the policy registry (policies.registry.enabled) uses it");
});

test("the Redis keys the cache section once held are still read, as the redis section's, each with a warning naming where it was set", () => {
  const warnings: string[] = [];
  const file = path.join(mkdtempSync(path.join(tmpdir(), "arbiter-config-")), "old.json");
  writeFileSync(file, JSON.stringify({ cache: { url: "redis://old:6379", keyPrefix: "old:", tls: { rejectUnauthorized: false }, ttlSeconds: 60 } }));
  const config = loadConfig({ redis: { keyPrefix: "new:" } }, { ARBITER_CONFIG: file }, (w) => warnings.push(w));
  expect(config.redis).toMatchObject({ url: "redis://old:6379", keyPrefix: "new:", tls: { rejectUnauthorized: false } });
  expect(config.cache).toEqual({ enabled: true, ttlSeconds: 60, commandTimeoutMs: 250 });
  expect(warnings).toEqual([
    `config: cache.url (from ${file}) is deprecated: it is redis.url now; read as redis.url`,
    `config: cache.keyPrefix (from ${file}) is deprecated: it is redis.keyPrefix now; read as redis.keyPrefix`,
    `config: cache.tls (from ${file}) is deprecated: it is redis.tls now; read as redis.tls`,
  ]);
  // A bad old key is reported under its new name, with where it was set.
  const error = thrown(() => loadConfig({}, { ARBITER_CONFIG_JSON: JSON.stringify({ cache: { url: "http://x" } }) }, () => undefined), ConfigError);
  expect(error.field).toBe("redis.url");
  expect(error.message).toContain("ARBITER_CONFIG_JSON");
  // Settings without old keys warn about nothing.
  loadConfig({ redis: { url: "redis://new:6379" } }, noEnv, (w) => warnings.push(w));
  expect(warnings).toHaveLength(3);
});

describe("a typo is an unknown setting, named by its dotted key, in every section", () => {
  test.each([
    [{ rol: "primary" }, "rol", "role"],
    [{ kafka: { groupID: "g" } }, "kafka.groupID", "groupId"],
    [{ kafka: { topics: { decision: "d" } } }, "kafka.topics.decision", "decisions"],
    [{ input: { maxRecordByte: 100 } }, "input.maxRecordByte", "maxRecordBytes"],
    [{ cache: { ttlSecond: 5 } }, "cache.ttlSecond", "ttlSeconds"],
    [{ policies: { dirs: "p" } }, "policies.dirs", "dir"],
    [{ pipeline: { screenthreads: 2 } }, "pipeline.screenthreads", "screenThreads"],
    [{ engine: { contextsize: 2048 } }, "engine.contextsize", "contextSize"],
    [{ engine: { analysisBudget: { hgh: 1 } } }, "engine.analysisBudget.hgh", "high"],
    [{ escalationEngine: { thread: 2 } }, "escalationEngine.thread", "threads"],
    [{ http: { prot: 1 } }, "http.prot", "port"],
    [{ log: { includePostTxt: true } }, "log.includePostTxt", "includePostText"],
  ])("%j is rejected as %s", (overrides, field, suggestion) => {
    const error = thrown(() => loadConfig(overrides, noEnv), ConfigError);
    expect(error.field).toBe(field);
    expect(error.message).toBe(`config: ${field} (from overrides): unknown setting (did you mean ${suggestion}?)`);
  });

  test("a key unlike any known one gets no suggestion, and every bad key is listed", () => {
    const error = thrown(() => loadConfig({ http: { zzzzzz: 1, hots: "h" } }, noEnv), ConfigError);
    expect(error.field).toBe("http.zzzzzz");
    expect(error.message).toBe("config: http.zzzzzz (from overrides): unknown setting; http.hots (from overrides): unknown setting (did you mean host?)");
  });

  test("a key named __proto__ is a key, not a prototype", () => {
    const error = thrown(() => loadConfig({}, { ARBITER_CONFIG_JSON: '{"kafka":{"__proto__":{"exactlyOnce":true}}}' }), ConfigError);
    expect(error.field).toBe("kafka.__proto__");
    expect(error.source).toBe("ARBITER_CONFIG_JSON");
  });
});

describe("errors name where a setting came from", () => {
  test("a YAML file, with the line of the key", () => {
    const file = configFile("typo.yaml", "# engine settings\nengine:\n  threads: 1\n  contextsize: 2048\n");
    const error = thrown(() => loadConfig({}, { ARBITER_CONFIG: file }), ConfigError);
    expect(error.message).toBe(`config: engine.contextsize (from ${file} line 4): unknown setting (did you mean contextSize?)`);
  });

  test("a JSON file", () => {
    const file = configFile("bad.json", JSON.stringify({ kafka: { brokers: ["ok:1", "bad"] } }));
    const error = thrown(() => loadConfig({}, { ARBITER_CONFIG: file }), ConfigError);
    expect(error.field).toBe("kafka.brokers[1]");
    expect(error.source).toBe(file);
    expect(error.message).toContain('must be host:port, got "bad"');
  });

  test("ARBITER_CONFIG_JSON and a shortcut variable", () => {
    expect(thrown(() => loadConfig({}, { ARBITER_CONFIG_JSON: '{"engine":{"sequences":0}}' }), ConfigError).message).toMatch(
      /^config: engine\.sequences \(from ARBITER_CONFIG_JSON\): .*got 0$/,
    );
    const port = thrown(() => loadConfig({}, { ARBITER_HTTP_PORT: "http" }), ConfigError);
    expect(port.field).toBe("http.port");
    expect(port.source).toBe("ARBITER_HTTP_PORT");
  });

  test("a rule broken at a key no layer set names no source for it", () => {
    const error = thrown(() => loadConfig({ kafka: { rebalanceTimeoutMs: 20_000 } }, noEnv), ConfigError);
    expect(error.field).toBe("kafka.sessionTimeoutMs");
    expect(error.source).toBeUndefined();
  });
});

test("a YAML config and a JSON config with the same settings load to the same settings", () => {
  const settings = {
    role: "escalation",
    kafka: { brokers: ["k1:9092", "k2:9092"], exactlyOnce: true, topics: { decisions: "mod.decisions" } },
    cache: { enabled: false },
    policies: { only: ["spam", "cheats"] },
    pipeline: { effort: "low", screenThreads: 0 },
    engine: { gpu: false, contextSize: 2048, analysisBudget: { high: 4096 } },
    escalationEngine: { gpuLayers: "max" },
    log: { includePostText: true },
  };
  const yaml = [
    "# the same settings, in YAML",
    "role: escalation",
    "kafka:",
    "  brokers:",
    "    - k1:9092",
    "    - k2:9092",
    "  exactlyOnce: true",
    "  topics: { decisions: mod.decisions }",
    "cache:",
    "  enabled: false",
    "policies:",
    "  only: [spam, cheats]",
    "pipeline:",
    "  effort: low",
    "  screenThreads: 0",
    "engine:",
    "  gpu: false",
    "  contextSize: 2048",
    "  analysisBudget:",
    "    high: 4096",
    "escalationEngine:",
    "  gpuLayers: max",
    "log:",
    "  includePostText: true",
  ].join("\n");
  const fromYaml = loadConfig({}, { ARBITER_CONFIG: configFile("same.yaml", yaml) });
  const fromYml = loadConfig({}, { ARBITER_CONFIG: configFile("same.yml", yaml) });
  const fromJson = loadConfig({}, { ARBITER_CONFIG: configFile("same.json", JSON.stringify(settings)) });
  expect(fromYaml).toEqual(fromJson);
  expect(fromYml).toEqual(fromJson);
  expect(fromJson).not.toEqual(loadConfig({}, noEnv));
  expect(fromYaml.engine.analysisBudget).toEqual({ low: 128, medium: 512, high: 4096 });
  expect(fromYaml.kafka.brokers).toEqual(["k1:9092", "k2:9092"]);
  expect(fromYaml.escalationEngine.gpuLayers).toBe("max");
});

test("an empty YAML file sets nothing", () => {
  expect(loadConfig({}, { ARBITER_CONFIG: configFile("empty.yaml", "# nothing yet\n") })).toEqual(loadConfig({}, noEnv));
});

test.each([
  ["broken.yaml", "kafka:\n  brokers: [a:1\nlog: {}\n", 3],
  ["duplicate.yaml", "log:\n  level: info\n  level: warn\n", 3],
])("a YAML error names the file and the line (%s)", (name, text, line) => {
  const file = configFile(name, text);
  const error = thrown(() => loadConfig({}, { ARBITER_CONFIG: file }), ConfigError);
  expect(error.field).toBe("ARBITER_CONFIG");
  expect(error.message).toContain(`${file} line ${line}: `);
});

test("a config file must hold a mapping", () => {
  const error = thrown(() => loadConfig({}, { ARBITER_CONFIG: configFile("list.yaml", "- a\n- b\n") }), ConfigError);
  expect(error.message).toContain("must hold a mapping of settings, got a list");
});

test("bad JSON names its source", () => {
  expect(thrown(() => loadConfig({}, { ARBITER_CONFIG: configFile("broken.json", "{ nope") }), ConfigError).message).toMatch(
    /ARBITER_CONFIG.*broken\.json is not JSON/,
  );
  expect(thrown(() => loadConfig({}, { ARBITER_CONFIG_JSON: "{ nope" }), ConfigError).field).toBe("ARBITER_CONFIG_JSON");
});

test("an unreadable config file names the variable and the path", () => {
  const error = thrown(() => loadConfig({}, { ARBITER_CONFIG: "/nonexistent/arbiter.json" }), ConfigError);
  expect(error.message).toMatch(/ARBITER_CONFIG.*\/nonexistent\/arbiter\.json/);
});
