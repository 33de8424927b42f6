import type { Producer } from "kafkajs";
import type { PostWriter } from "../codec/post-writer.js";
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
  /** Writes posts as the workers read them (`input.format`). */
  writer: PostWriter;
  batchSize?: number;
}

export interface ProduceSummary {
  produced: number;
  skipped: { line: number; error: string }[];
}

/** Sends a file's posts to the posts topic in batches; `onBadLine` says what a bad line does (each is reported through `warn`). */
export async function producePostFile(producer: Producer, options: ProduceOptions, warn: (message: string) => void): Promise<ProduceSummary> {
  const batchSize = options.batchSize ?? 500;
  const summary: ProduceSummary = { produced: 0, skipped: [] };
  let batch: ReturnType<PostWriter["message"]>[] = [];
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
    batch.push(options.writer.message(row.post));
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return summary;
}
