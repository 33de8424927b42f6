import { RecordCodec } from "@arbiter/shared/codec/record-codec.js";
import type { Appeal } from "@arbiter/shared/codec/records.js";
import { ShippedSchemas } from "@arbiter/shared/codec/shipped-schemas.js";
import { formatRecord } from "@arbiter/shared/cli/record-format.js";
import { decodeRecord } from "@arbiter/shared/codec/topic-record.js";
import type { ConsumedRecord } from "@arbiter/shared/kafka/consumed-record.js";

const registry = ShippedSchemas.load();
const appeal: Appeal = {
  appealId: "a1",
  post: { id: "p1", forumId: "games", authorId: "u1", text: "selling aimbot keys", language: null, createdAt: 1, metadata: {}, threadId: null },
  policyIds: [],
  requestedBy: "moderator:alice",
  note: "looks fine",
  requestedAt: 2,
};
const message = (encoded: { value: Buffer; headers: Readonly<Record<string, string>> }): ConsumedRecord =>
  ({
    topic: "moderation.appeals",
    partition: 0,
    offset: "5",
    timestamp: "0",
    key: Buffer.from("p1"),
    value: encoded.value,
    headers: { ...encoded.headers },
  }) as ConsumedRecord;

test("an appeal is one readable line, framed in the Confluent wire format (output.format confluent-avro) or not", () => {
  for (const codec of [new RecordCodec(registry, "appeal"), new RecordCodec(registry, "appeal", {}, 42)]) {
    const m = message(codec.encode(appeal));
    const decoded = decodeRecord(registry, m);
    expect(decoded).toEqual({ kind: "appeal", version: codec.writer.version, value: appeal });
    expect(formatRecord(m, decoded)).toBe('moderation.appeals 0@5 appeal p1 by moderator:alice policies=all "selling aimbot keys" note "looks fine"');
  }
});
