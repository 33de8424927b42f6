import { Command, Option } from "commander";
import { DEFAULT_POST_COLUMNS, assertColumns } from "@arbiter/shared/cli/post-file.js";
import { producePostFile } from "@arbiter/shared/cli/produce-posts.js";
import { UsageError } from "@arbiter/shared/errors/usage-error.js";
import { assertReadable, datasetFormatOf, type DatasetFormat } from "@arbiter/shared/eval/dataset-file.js";
import { createPostWriter } from "@arbiter/shared/codec/post-writer.js";
import { commandContext, connectedKafka } from "../command-context.js";

interface ProduceFlags {
  format?: DatasetFormat;
  textCol: string;
  idCol: string;
  forumCol: string;
  authorCol: string;
  forum: string;
  topic?: string;
  onBadLine: "stop" | "skip";
}

export function produceCommand(): Command {
  return new Command("produce")
    .summary("send posts from a JSONL or CSV file to the posts topic")
    .description(
      "send posts from a JSON-lines or CSV file to the posts topic, keyed by post id, as the workers read them (input.format): Avro with the schema fingerprint header, JSON, or for confluent-avro the Confluent wire format with Arbiter's Post schema under the fieldMap's names, registered under <topic>-value",
    )
    .argument("<file>", "JSON lines (one object a line: id, text, forumId, authorId, language, createdAt, metadata, threadId) or CSV with a header row")
    .addOption(new Option("--format <format>", "file format (default: csv for a .csv name, else jsonl)").choices(["jsonl", "csv"]))
    .option("--text-col <name>", "field holding the post text", DEFAULT_POST_COLUMNS.text)
    .option("--id-col <name>", "field holding the post id", DEFAULT_POST_COLUMNS.id)
    .option("--forum-col <name>", "field holding the forum id", DEFAULT_POST_COLUMNS.forum)
    .option("--author-col <name>", "field holding the author id", DEFAULT_POST_COLUMNS.author)
    .option("--forum <id>", "forum id of rows that name none", DEFAULT_POST_COLUMNS.defaultForum)
    .option("--topic <name>", "topic to send to (default: kafka.topics.posts)")
    .addOption(
      new Option("--on-bad-line <what>", "a line that is no valid post: stop there (exit 1; the posts before it are sent) or skip it (reported on stderr)")
        .choices(["stop", "skip"])
        .default("stop"),
    )
    .action(async (file: string, flags: ProduceFlags, command: Command) => {
      const context = commandContext(command);
      try {
        await assertReadable(file);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const format = flags.format ?? datasetFormatOf(file);
      await assertColumns(file, format, { "--text-col": flags.textCol, "--id-col": flags.idCol });
      const kafka = await connectedKafka(context, "produce");
      const producer = kafka.producer();
      await producer.connect();
      const topic = flags.topic ?? context.config.kafka.topics.posts;
      let writer;
      try {
        writer = await createPostWriter(context.config, topic);
      } catch (error) {
        await producer.disconnect();
        throw error;
      }
      try {
        const summary = await producePostFile(
          producer,
          {
            file,
            format,
            columns: { text: flags.textCol, id: flags.idCol, forum: flags.forumCol, author: flags.authorCol, defaultForum: flags.forum },
            onBadLine: flags.onBadLine,
            topic,
            writer,
          },
          (message) => process.stderr.write(`${message}\n`),
        );
        process.stdout.write(
          `sent ${summary.produced} post(s) to ${topic} (${context.config.input.format})${summary.skipped.length > 0 ? `; skipped ${summary.skipped.length} bad line(s)` : ""}\n`,
        );
      } finally {
        writer.close();
        await producer.disconnect();
      }
    });
}
