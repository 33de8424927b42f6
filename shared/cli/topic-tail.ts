import { randomBytes } from "node:crypto";
import type { Kafka } from "kafkajs";
import type { ConsumedRecord } from "../kafka/consumed-record.js";
import { UsageError } from "../errors/usage-error.js";

export interface TailOptions {
  topic: string;
  /** From the first record kept; otherwise the last `limit` records. */
  fromBeginning: boolean;
  /** Keep reading new records until `signal` aborts (or, from the beginning, `limit` records were printed). */
  follow: boolean;
  /** With `fromBeginning`: stop after this many records; otherwise how many of the last records to print (10 when unset). */
  limit: number | null;
  signal: AbortSignal;
  /** Stop this long after the last record when the end offsets were not reached (transaction markers take offsets no record has). */
  idleMs?: number;
}

const LAST_BY_DEFAULT = 10;

/**
 * Reads a topic with a throwaway consumer group that commits nothing (deleted at the end) and
 * hands each record to `print`, in order within a partition. Without `follow` it stops at the
 * end offsets it found at the start. Returns how many records it printed.
 */
export async function tailTopic(kafka: Kafka, options: TailOptions, print: (message: ConsumedRecord) => void): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `arbiter-tail-${randomBytes(4).toString("hex")}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(options.topic))
      throw new UsageError(`no topic "${options.topic}" on the broker (run \`arbiter topics create\`, or see \`arbiter topics describe\`)`);
    const offsets = await admin.fetchTopicOffsets(options.topic);
    const last = options.limit ?? LAST_BY_DEFAULT;
    const start = new Map(offsets.map((o) => [o.partition, options.fromBeginning ? BigInt(o.low) : bigMax(BigInt(o.low), BigInt(o.high) - BigInt(last))]));
    const end = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    const pending = new Set(offsets.filter((o) => start.get(o.partition)! < end.get(o.partition)!).map((o) => o.partition));
    let printed = 0;
    let done = false;
    // The last N across partitions are known only once every partition is read up to its end.
    const backlog: ConsumedRecord[] = [];
    let caughtUp = false;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = () => ((done = true), resolve())));
    const emit = (message: ConsumedRecord) => {
      if (done) return;
      print(message);
      printed++;
      if (options.fromBeginning && options.limit !== null && printed >= options.limit) finish();
    };
    const catchUp = () => {
      if (caughtUp) return;
      caughtUp = true;
      if (!options.fromBeginning) {
        backlog.sort((a, b) => Number(BigInt(a.timestamp) - BigInt(b.timestamp)) || a.partition - b.partition);
        backlog.slice(-last).forEach(emit);
      }
      if (!options.follow) finish();
    };
    let idle: NodeJS.Timeout | undefined;
    const resetIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(catchUp, options.idleMs ?? 3000);
    };
    options.signal.addEventListener("abort", () => finish(), { once: true });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (pending.size === 0) catchUp();
      else resetIdle();
    });
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const record: ConsumedRecord = {
          topic,
          partition,
          offset: message.offset,
          timestamp: message.timestamp,
          key: message.key,
          value: message.value,
          headers: message.headers ?? {},
        };
        if (options.fromBeginning || caughtUp) emit(record);
        else backlog.push(record);
        if (caughtUp) return;
        resetIdle();
        if (BigInt(message.offset) + 1n >= end.get(partition)!) pending.delete(partition);
        if (pending.size === 0) catchUp();
      },
    });
    for (const [partition, offset] of start) consumer.seek({ topic: options.topic, partition, offset: offset.toString() });
    await finished;
    clearTimeout(idle);
    return printed;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
