import type { ArbiterConfigInput } from "@arbiter/shared/config/arbiter-config.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { thrown } from "../../support/thrown.js";

test("by default posts and records are Arbiter's Avro, and no registry is set or needed", () => {
  const config = loadConfig({}, {});
  expect(config.input).toMatchObject({ format: "avro", fieldMap: {} });
  expect(config.output).toEqual({ format: "avro" });
  expect(config.schemaRegistry.url).toBeUndefined();
  expect(config.schemaRegistry.password).toBeUndefined();
});

test("the confluent-avro formats with a registry, a field map and a password from a file load", () => {
  const config = loadConfig(
    {
      input: { format: "confluent-avro", fieldMap: { text: "body", forumId: "community" } },
      output: { format: "confluent-avro" },
      schemaRegistry: {
        url: "https://registry.internal:8081",
        username: "arbiter",
        password: { file: "/var/run/secrets/registry-password" },
        tls: { ca: "/etc/arbiter/tls/ca.crt" },
      },
    },
    {},
  );
  expect(config.input.fieldMap).toEqual({ text: "body", forumId: "community" });
  expect(config.schemaRegistry).toMatchObject({ timeoutMs: 5000, notFoundAttempts: 3, retryMaxMs: 10_000, autoRegister: true });
});

test.each<[string, ArbiterConfigInput, string, RegExp]>([
  ["confluent-avro input without a registry", { input: { format: "confluent-avro" } }, "schemaRegistry.url", /must be set: input\.format is "confluent-avro"/],
  [
    "confluent-avro output without a registry",
    { output: { format: "confluent-avro" } },
    "schemaRegistry.url",
    /must be set: output\.format is "confluent-avro"/,
  ],
  ["a field map for Arbiter's own Avro", { input: { fieldMap: { text: "body" } } }, "input.fieldMap", /input\.format is "avro", not "confluent-avro"/],
  [
    "a field map of a field Post does not have",
    { input: { format: "confluent-avro", fieldMap: { body: "text" } as never }, schemaRegistry: { url: "http://r:8081" } },
    "input.fieldMap.body",
    /./,
  ],
  [
    "two Post fields read from one producer field",
    { input: { format: "confluent-avro", fieldMap: { text: "body", id: "body" } }, schemaRegistry: { url: "http://r:8081" } },
    "input.fieldMap.text",
    /reads producer field "body", which Post\.id reads too/,
  ],
  [
    "a map onto another Post field's own name",
    { input: { format: "confluent-avro", fieldMap: { forumId: "authorId" } }, schemaRegistry: { url: "http://r:8081" } },
    "input.fieldMap.forumId",
    /reads producer field "authorId", which Post\.authorId reads too/,
  ],
  [
    "a field name Avro does not allow",
    { input: { format: "confluent-avro", fieldMap: { text: "the body" } }, schemaRegistry: { url: "http://r:8081" } },
    "input.fieldMap.text",
    /Avro field name/,
  ],
  ["credentials in the URL", { schemaRegistry: { url: "https://key:secret@registry:8081" } }, "schemaRegistry.url", /without credentials/],
  [
    "a user without a password",
    { schemaRegistry: { url: "http://r:8081", username: "arbiter" } },
    "schemaRegistry.password",
    /with the other of username and password/,
  ],
  ["a CA with an http:// URL", { schemaRegistry: { url: "http://r:8081", tls: { ca: "/ca.pem" } } }, "schemaRegistry.tls.ca", /not https:\/\//],
  ["an unknown output format", { output: { format: "protobuf" as "avro" } }, "output.format", /./],
])("%s is refused at start, naming the setting", (_what, overrides, field, problem) => {
  const error = thrown(() => loadConfig(overrides as Record<string, unknown>, {}), ConfigError);
  expect(error.field).toBe(field);
  expect(error.message).toMatch(problem);
});
