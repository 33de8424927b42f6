import { CliError } from "@arbiter/shared/cli/errors/cli-error.js";
import { ServiceUnreachableError } from "@arbiter/shared/errors/service-unreachable-error.js";
import { deadLetterRecord } from "@arbiter/shared/codec/dead-letter-record.js";
import { createCodecs } from "@arbiter/shared/codec/codecs.js";
import { DecodeError } from "@arbiter/shared/codec/errors/decode-error.js";
import { IncompatibleSchemaError } from "@arbiter/shared/codec/errors/incompatible-schema-error.js";
import { SchemaNotFoundError } from "@arbiter/shared/codec/errors/schema-not-found-error.js";
import { SchemaRegistryRequestError } from "@arbiter/shared/codec/errors/schema-registry-request-error.js";
import { SchemaRegistryUnavailableError } from "@arbiter/shared/codec/errors/schema-registry-unavailable-error.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { EngineOutputError, EngineTimeoutError, ModelLoadError } from "@arbiter/shared/engine/errors/index.js";
import { ArbiterError, deadLetterCode, isRetriable } from "@arbiter/shared/errors/arbiter-error.js";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { PartitionFencedError } from "@arbiter/shared/kafka/errors/partition-fenced-error.js";
import { UnsafeOffsetError } from "@arbiter/shared/kafka/errors/unsafe-offset-error.js";
import { UndecompressableBatchError } from "@arbiter/shared/kafka/errors/undecompressable-batch-error.js";
import { DecompressedSizeError } from "@arbiter/shared/kafka/errors/decompressed-size-error.js";
import { OutputTooLargeError } from "@arbiter/shared/kafka/errors/output-too-large-error.js";
import type { InboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import { ScreenTimeoutError } from "@arbiter/shared/pipeline/errors/screen-timeout-error.js";
import { PolicyError } from "@arbiter/shared/policy/policy-error.js";
import { RetriesExhaustedError } from "@arbiter/shared/retry/errors/retries-exhausted-error.js";
import { EndpointNotConfiguredError } from "@arbiter/shared/sinks/errors/endpoint-not-configured-error.js";
import { HttpCallError } from "@arbiter/shared/sinks/errors/http-call-error.js";
import { StateStoreError } from "@arbiter/shared/sinks/errors/state-store-error.js";

const exchange = (status: number) => ({ method: "POST", url: "http://forum/hide", status, body: "" });

/** Each error class, its code, whether it is retriable, and the `errorClass` its dead letters carry. */
const cases: Array<[ArbiterError, string, boolean, string]> = [
  [new DecodeError("MALFORMED", "x"), "MALFORMED", false, "DecodeError:MALFORMED"],
  [new SchemaNotFoundError(7, "x"), "SCHEMA_NOT_FOUND", false, "SchemaNotFoundError"],
  [new SchemaRegistryRequestError("x", 422), "SCHEMA_REGISTRY_REQUEST", false, "SchemaRegistryRequestError"],
  [new SchemaRegistryUnavailableError("x"), "SCHEMA_REGISTRY_UNAVAILABLE", true, "SchemaRegistryUnavailableError"],
  [new IncompatibleSchemaError("s", "x"), "INCOMPATIBLE_SCHEMA", false, "IncompatibleSchemaError"],
  [new ConfigError("kafka.brokers", "x"), "CONFIG", false, "ConfigError"],
  [new PolicyError("p.md", undefined, "x"), "POLICY", false, "PolicyError"],
  [new ScreenTimeoutError(100), "SCREEN_TIMEOUT", false, "ScreenTimeoutError"],
  [new PartitionFencedError("posts", 0, null), "PARTITION_FENCED", false, "PartitionFencedError"],
  [new UnsafeOffsetError("9007199254740993"), "UNSAFE_OFFSET", false, "UnsafeOffsetError"],
  [new UndecompressableBatchError("lz4", "0", "9", 10, "x"), "UNDECOMPRESSABLE_BATCH", false, "UndecompressableBatchError:UNDECOMPRESSABLE_BATCH"],
  [new DecompressedSizeError("zstd", 1024), "DECOMPRESSED_TOO_LARGE", false, "DecompressedSizeError:DECOMPRESSED_TOO_LARGE"],
  [new OutputTooLargeError(new Error("x")), "OUTPUT_TOO_LARGE", false, "OutputTooLargeError:OUTPUT_TOO_LARGE"],
  [new CliError("failure", "x"), "FAILURE", false, "CliError"],
  [new ServiceUnreachableError("Redis", "x", "y"), "UNREACHABLE", true, "ServiceUnreachableError"],
  [new UsageError("x"), "USAGE", false, "UsageError:USAGE"],
  [new EngineTimeoutError(10), "ENGINE_TIMEOUT", true, "EngineTimeoutError:ENGINE_TIMEOUT"],
  [new EngineOutputError("x", "y"), "ENGINE_OUTPUT", false, "EngineOutputError:ENGINE_OUTPUT"],
  [new ModelLoadError("m.gguf", "x"), "ENGINE_MODEL_LOAD", false, "ModelLoadError:ENGINE_MODEL_LOAD"],
  [new HttpCallError(exchange(503), "x"), "HTTP_503", true, "HttpCallError:HTTP_503"],
  [new HttpCallError(exchange(0), "x"), "NO_RESPONSE", true, "HttpCallError:NO_RESPONSE"],
  [new StateStoreError("get", new Error("x")), "STATE_STORE", true, "StateStoreError:STATE_STORE"],
  [new EndpointNotConfiguredError("autoHide.forum.banner.url"), "NOT_CONFIGURED", false, "EndpointNotConfiguredError:NOT_CONFIGURED"],
  [new RetriesExhaustedError(3, new HttpCallError(exchange(500), "x")), "HTTP_500", false, "RetriesExhaustedError:HTTP_500"],
  [
    new RetriesExhaustedError(3, new SchemaRegistryUnavailableError("x")),
    "SchemaRegistryUnavailableError",
    false,
    "RetriesExhaustedError:SchemaRegistryUnavailableError",
  ],
];

const codecs = createCodecs();
const { topics } = loadConfig({}, {}).kafka;
const record: InboundRecord = { topic: "posts", partition: 0, offset: "1", key: null, value: Buffer.from("x"), headers: {} };
const errorClassOf = (error: Error) => {
  const letter = deadLetterRecord({ codecs, topics }, record, error, "process", 0);
  return codecs.deadLetter.decode(letter.value, letter.headers).errorClass;
};

test.each(cases)(
  "%p: an ArbiterError with its code and retriable flag, and the dead letter's errorClass it always had",
  (error, code, retriable, errorClass) => {
    expect(error).toBeInstanceOf(ArbiterError);
    expect(error.code).toBe(code);
    expect(error.retriable).toBe(retriable);
    expect(isRetriable(error)).toBe(retriable);
    expect(errorClassOf(error)).toBe(errorClass);
  },
);

test("errors from elsewhere: a `retriable: true` (kafkajs) counts; a string code (a Node system error) names the dead letter", () => {
  expect(isRetriable(Object.assign(new Error("broker gone"), { retriable: true }))).toBe(true);
  expect(isRetriable(Object.assign(new Error("bad"), { retriable: false }))).toBe(false);
  expect(isRetriable(new Error("plain"))).toBe(false);
  expect(isRetriable("down")).toBe(false);
  expect(deadLetterCode(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe("ECONNRESET");
  expect(errorClassOf(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe("Error:ECONNRESET");
  expect(errorClassOf(new TypeError("bug"))).toBe("TypeError");
});

test("only HttpCallError carries a Retry-After wait", () => {
  expect(new HttpCallError(exchange(429), "x", 300).retryAfterMs).toBe(300);
  expect(new SchemaRegistryUnavailableError("x").retryAfterMs).toBeUndefined();
});
