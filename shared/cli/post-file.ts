import type { Post } from "../codec/records.js";
import { validatePost } from "../codec/post-input.js";
import { csvColumns, readDatasetRows, type DatasetFormat } from "../eval/dataset-file.js";
import { UsageError } from "../errors/usage-error.js";

/** Which field of a row holds what; `forum` is the forum id of rows that name none. */
export interface PostColumns {
  text: string;
  id: string;
  forum: string;
  author: string;
  defaultForum: string;
}

export const DEFAULT_POST_COLUMNS: PostColumns = { text: "text", id: "id", forum: "forumId", author: "authorId", defaultForum: "" };

/** A post read from a file, or why its line is no post. */
export type PostLine = { line: number; post: Post } | { line: number; error: string };

const asString = (value: unknown): string | null =>
  value === undefined || value === null || value === "" ? null : typeof value === "object" ? JSON.stringify(value) : String(value);

function createdAtOf(value: unknown): number {
  if (value === undefined || value === null || value === "") return Date.now();
  const at = typeof value === "number" ? value : /^\d+$/.test(String(value)) ? Number(value) : Date.parse(String(value));
  if (!Number.isFinite(at)) throw new Error(`field "createdAt" must be epoch milliseconds or an ISO date`);
  return at;
}

function metadataOf(value: unknown): Record<string, string> {
  if (value === undefined || value === null || value === "") return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new Error(`field "metadata" must be an object`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

/** A row's fields as a Post, checked as the worker checks one; throws naming the field. */
export function postFromFields(fields: Record<string, unknown>, columns: PostColumns): Post {
  const id = asString(fields[columns.id]);
  if (id === null) throw new Error(`no post id (field "${columns.id}")`);
  const text = fields[columns.text];
  if (typeof text !== "string") throw new Error(`post ${id}: field "${columns.text}" must be text`);
  const post: Post = {
    id,
    forumId: asString(fields[columns.forum]) ?? columns.defaultForum,
    authorId: asString(fields[columns.author]) ?? "",
    text,
    language: asString(fields.language),
    createdAt: createdAtOf(fields.createdAt),
    metadata: metadataOf(fields.metadata),
    threadId: asString(fields.threadId),
  };
  validatePost(post);
  return post;
}

/** Fails before any work when a CSV file lacks a column the options name (JSON lines are checked per row). */
export async function assertColumns(file: string, format: DatasetFormat, required: Record<string, string>): Promise<void> {
  if (format !== "csv") return;
  const columns = await csvColumns(file);
  for (const [option, name] of Object.entries(required)) {
    if (!columns.includes(name))
      throw new UsageError(`${file}:1: no column "${name}" (${option}); the columns are ${columns.map((c) => JSON.stringify(c)).join(", ")}`);
  }
}

/** The posts of a JSON-lines or CSV file, one per row, with the line each came from. */
export async function* readPostFile(file: string, format: DatasetFormat, columns: PostColumns): AsyncGenerator<PostLine> {
  for await (const row of readDatasetRows(file, format)) {
    if ("error" in row) {
      yield row;
      continue;
    }
    try {
      yield { line: row.line, post: postFromFields(row.fields, columns) };
    } catch (error) {
      yield { line: row.line, error: (error as Error).message };
    }
  }
}
