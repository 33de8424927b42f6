import type { Producer } from "kafkajs";
import type { RecordCodec } from "../codec/record-codec.js";
import type { Post } from "../codec/records.js";
import type { PostFormat } from "../codec/codec-settings.js";
import type { DatasetFormat } from "../eval/dataset-file.js";
import { CliError } from "./errors/cli-error.js";
import { readPostFile, type PostColumns } from "./post-file.js";

export interface ProduceOptions {
  file: string;
  format: DatasetFormat;
  columns: PostColumns;
  /** `stop`: the first bad line ends the run (the posts before it are sent); `skip`: it is reported and left out. */
  onBadLine: "stop" | "skip";
  topic: string;
  /** How the posts topic is encoded (`input.format`). */
  encoding: PostFormat;
  codec: RecordCodec<"post">;
  batchSize?: number;
}

export interface ProduceSummary {
  produced: number;
  skipped: { line: number; error: string }[];
}

/** A post as the worker reads it: Avro with the fingerprint header, or a JSON object; keyed by post id. */
export function postMessage(post: Post, encoding: PostFormat, codec: RecordCodec<"post">): { key: string; value: Buffer; headers: Record<string, string> } {
  if (encoding === "json") return { key: post.id, value: Buffer.from(JSON.stringify(post)), headers: {} };
  const { value, headers } = codec.encode(post);
  return { key: post.id, value, headers: { ...headers } };
}

/** Sends a file's posts to the posts topic in batches; `onBadLine` says what a bad line does (each is reported through `warn`). */
export async function producePostFile(producer: Producer, options: ProduceOptions, warn: (message: string) => void): Promise<ProduceSummary> {
  const batchSize = options.batchSize ?? 500;
  const summary: ProduceSummary = { produced: 0, skipped: [] };
  let batch: ReturnType<typeof postMessage>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ topic: options.topic, acks: -1, messages: batch });
    summary.produced += batch.length;
    batch = [];
  };
  for await (const row of readPostFile(options.file, options.format, options.columns)) {
    if ("error" in row) {
      const where = `${options.file}:${row.line}: ${row.error}`;
      if (options.onBadLine === "stop") {
        await flush();
        throw new CliError("failure", `${where} (stopped here; ${summary.produced} post(s) before it were sent; --on-bad-line skip leaves bad lines out)`);
      }
      warn(`${where} (skipped)`);
      summary.skipped.push(row);
      continue;
    }
    batch.push(postMessage(row.post, options.encoding, options.codec));
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return summary;
}
