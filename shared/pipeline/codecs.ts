import { RecordCodec } from "../codec/record-codec.js";
import { SchemaRegistry } from "../codec/schema-registry.js";
import type { Codecs } from "./publish.js";

/** A codec for every record kind, over the shipped schemas. */
export function createCodecs(registry = SchemaRegistry.shipped()): Codecs {
  return {
    post: new RecordCodec(registry, "post"),
    decision: new RecordCodec(registry, "decision"),
    audit: new RecordCodec(registry, "audit"),
    escalation: new RecordCodec(registry, "escalation"),
    ticket: new RecordCodec(registry, "ticket"),
    appeal: new RecordCodec(registry, "appeal"),
    deadLetter: new RecordCodec(registry, "deadLetter"),
  };
}
