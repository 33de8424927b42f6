import { randomBytes } from "node:crypto";
import type { Kafka } from "kafkajs";
import type { ConsumedRecord } from "../kafka/consumed-record.js";
import { parseRangeBound, resolveRanges, type PartitionRange } from "./replay-range.js";

/** The topic's offsets now: each partition's low and high watermarks. */
export async function watermarks(kafka: Kafka, topic: string): Promise<{ partition: number; low: string; high: string }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads `ranges` of a topic (committed records only) with a throwaway consumer group that starts
 * at each range's start and is deleted at the end; hands each record in a range to `onRecord`,
 * in order within a partition. A partition is finished at its range's end, or after `idleMs`
 * without a record (transaction markers take the last offsets of a transactional topic).
 */
export async function readRanges(
  kafka: Kafka,
  topic: string,
  ranges: readonly PartitionRange[],
  onRecord: (record: ConsumedRecord) => void,
  idleMs = 2000,
): Promise<void> {
  const wanted = ranges.filter((r) => BigInt(r.start) < BigInt(r.end));
  if (wanted.length === 0) return;
  const groupId = `arbiter-range-${randomBytes(5).toString("hex")}`;
  const admin = kafka.admin();
  await admin.connect();
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  try {
    await admin.setOffsets({ groupId, topic, partitions: wanted.map((r) => ({ partition: r.partition, offset: r.start })) });
    const end = new Map(wanted.map((r) => [r.partition, BigInt(r.end)]));
    const pending = new Set(end.keys());
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    let idle: NodeJS.Timeout | undefined;
    const resetIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(finish, idleMs);
    };
    consumer.on(consumer.events.GROUP_JOIN, resetIdle);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        resetIdle();
        const stop = end.get(batch.partition);
        if (stop === undefined) return;
        for (const m of batch.messages) {
          if (BigInt(m.offset) >= stop) break;
          onRecord({
            topic,
            partition: batch.partition,
            offset: m.offset,
            timestamp: m.timestamp,
            key: m.key ?? null,
            value: m.value ?? null,
            headers: m.headers ?? {},
          });
        }
        const last = batch.messages.at(-1);
        if (last && BigInt(last.offset) + 1n >= stop) {
          pending.delete(batch.partition);
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          if (pending.size === 0) finish();
        }
      },
    });
    await finished;
    clearTimeout(idle);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** The first offset at or after `ms` on each partition (-1: none). */
export async function offsetsAt(kafka: Kafka, topic: string, ms: number): Promise<Map<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsetsByTimestamp(topic, ms)).map((o) => [o.partition, o.offset]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Each partition's offsets over `from` .. `to` (see {@link parseRangeBound}; `to` null: the end
 * now). Throws a plain Error naming what is wrong with a bound.
 */
export async function rangesFor(kafka: Kafka, topic: string, fromText: string, toText: string | null, now: number): Promise<PartitionRange[]> {
  const from = parseRangeBound(fromText, now);
  const to = toText === null ? null : parseRangeBound(toText, now);
  return resolveRanges(from, to, await watermarks(kafka, topic), {
    from: from.kind === "time" ? await offsetsAt(kafka, topic, from.ms) : null,
    to: to?.kind === "time" ? await offsetsAt(kafka, topic, to.ms) : null,
  });
}
