import type { InboundRecord } from "./inbound-record.js";

/**
 * Runs `fn` over records concurrently while each key's records run one after another in offset
 * order (records without a key are independent). Results come back in input order.
 */
export async function inKeyOrder<T>(records: readonly InboundRecord[], fn: (record: InboundRecord, index: number) => Promise<T>): Promise<T[]> {
  const chains = new Map<string, Promise<unknown>>();
  const results = new Array<T>(records.length);
  const work = records.map((record, i) => {
    const key = record.key ? record.key.toString("latin1") : undefined;
    const previous = key === undefined ? undefined : chains.get(key);
    const run = (previous ?? Promise.resolve()).then(async () => {
      results[i] = await fn(record, i);
    });
    if (key !== undefined) chains.set(key, run);
    return run;
  });
  await Promise.all(work);
  return results;
}
