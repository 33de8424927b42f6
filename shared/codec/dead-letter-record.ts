import type { TopicNames } from "../kafka/kafka-settings.js";
import { deadLetterCode } from "../errors/arbiter-error.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import type { Codecs } from "./codecs.js";
import type { DeadLetter, HttpExchange } from "./records.js";

/** The dead-letter record for input that cannot be processed: the original bytes, the reason and, from a sink, the HTTP exchange it ended with. */
export function deadLetterRecord(
  deps: { codecs: Codecs; topics: TopicNames },
  record: InboundRecord,
  error: Error,
  stage: string,
  now: number,
  response: HttpExchange | null = null,
): OutboundRecord {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    // The dead letter's headers are a map of bytes: a null header value has no place there.
    if (first !== undefined && first !== null) headers[name] = Buffer.from(first);
  }
  const code = deadLetterCode(error);
  const letter: DeadLetter = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
    headers,
    errorClass: code ? `${error.name}:${code}` : error.name,
    errorMessage: error.message,
    stage,
    attempts: 1,
    firstSeenAt: now,
    response,
  };
  return { topic: deps.topics.dlq, key: record.key?.toString("utf8") ?? null, ...deps.codecs.deadLetter.encode(letter) };
}
