import type { InputSettings, TopicNames } from "../config/arbiter-config.js";
import type { InboundRecord } from "./inbound-record.js";
import type { ScreenResult } from "./post-screen.js";

/** What a screen thread needs to build its own prefilter and codecs (workerData). */
export interface ScreenWorkerInit {
  policiesDir: string;
  only: string[];
  /** The policy-set version the main thread runs; the thread refuses to start on another. */
  policySetVersion: string;
  maxModelChars: number;
  input: InputSettings;
  topics: TopicNames;
}

export interface ScreenRequest {
  id: number;
  records: InboundRecord[];
}

export type ScreenResponse = { id: number; results: ScreenResult[] } | { id: number; error: string };

export type ScreenReady = { ready: true } | { ready: false; error: string };

/** Buffers cross a thread boundary as plain Uint8Arrays; view them as Buffers again (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer;
export function asBuffer(bytes: Uint8Array | null): Buffer | null;
export function asBuffer(bytes: Uint8Array | null): Buffer | null {
  if (bytes === null || Buffer.isBuffer(bytes)) return bytes as Buffer | null;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
