import type { WriterSchemaNote } from "../codec/writer-schema-cache.js";
import type { InputSettings } from "../codec/codec-settings.js";
import type { TopicNames } from "../kafka/kafka-settings.js";
import type { Policy } from "../policy/policy.js";
import type { OutputSchemaIds } from "../codec/codecs.js";
import type { PackedRecords, PackedResults } from "./screen-wire.js";

/** What a screen thread needs to build its own prefilter and codecs (workerData). */
export interface ScreenWorkerInit {
  /** The main thread's policies, as data: a replacement thread builds the same set even if the files changed since. */
  policies: Policy[];
  /** The policy-set version the main thread runs; the thread refuses to start on another. */
  policySetVersion: string;
  maxModelChars: number;
  input: InputSettings;
  topics: TopicNames;
  /**
   * Set by the pool for each thread: the thread writes [request id, index of the record it is
   * screening (-1 between records)] here, so that a thread found hung names the record.
   */
  progress?: SharedArrayBuffer;
  /** Registry ids of the output schemas when output.format is confluent-avro (the thread encodes decisions and dead letters). */
  outputSchemaIds?: OutputSchemaIds | null;
}

/** A chunk to screen, packed (see screen-wire.ts); its buffers are transferred. */
export interface ScreenRequest {
  id: number;
  records: PackedRecords;
  /** input.format confluent-avro: the chunk's writer schemas this thread has not been sent yet, and ids without a schema. */
  schemas?: WriterSchemaNote[];
}

/** The policies changed: chunks sent after this message are screened under these. */
export interface ScreenPolicyUpdate {
  kind: "policies";
  policies: Policy[];
  policySetVersion: string;
}

export type ScreenResponse = { id: number; results: PackedResults } | { id: number; error: string };

/** A thread's answer to a {@link ScreenPolicyUpdate}: it screens under this version now (or failed to build it). */
export type ScreenPoliciesApplied = { policiesApplied: string } | { policiesApplied: null; error: string };

export type ScreenReady = { ready: true } | { ready: false; error: string };
