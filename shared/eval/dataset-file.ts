import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";

export type DatasetFormat = "jsonl" | "csv";

/** One row of a data file: its fields by name, or why it could not be read. `line` counts from 1. */
export type DatasetRow = { line: number; fields: Record<string, unknown> } | { line: number; error: string };

/** The format a file's name says: `.csv` is CSV, anything else JSON lines. */
export function datasetFormatOf(file: string): DatasetFormat {
  return /\.csv$/i.test(file) ? "csv" : "jsonl";
}

/** Fails with the path when the file cannot be read, before a command starts its work. */
export async function assertReadable(file: string): Promise<void> {
  try {
    await access(file);
  } catch (error) {
    throw new Error(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

async function* jsonlRows(file: string): AsyncGenerator<DatasetRow> {
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    // The first line may carry a byte-order mark; blank lines are no rows.
    const trimmed = (line === 1 ? text.replace(/^\uFEFF/, "") : text).trim();
    if (trimmed === "") continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (typeof value !== "object" || value === null || Array.isArray(value)) yield { line, error: "not a JSON object" };
      else yield { line, fields: value as Record<string, unknown> };
    } catch (error) {
      yield { line, error: `not JSON (${(error as Error).message})` };
    }
  }
}

async function* csvRows(file: string): AsyncGenerator<DatasetRow> {
  const parser = createReadStream(file).pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true }));
  let header: string[] | null = null;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (header === null) {
        header = record.map((name) => name.trim());
        continue;
      }
      if (record.length !== header.length) {
        yield { line: info.lines, error: `${record.length} fields where the header has ${header.length}` };
        continue;
      }
      yield { line: info.lines, fields: Object.fromEntries(header.map((name, i) => [name, record[i]])) };
    }
  } catch (error) {
    // A broken quote leaves the rest of the file unreadable: report where, and stop.
    const e = error as Error & { lines?: number };
    yield { line: e.lines ?? 0, error: `CSV: ${e.message}` };
  }
}

/** The rows of a JSON-lines file (one object a line) or a CSV file with a header row, in file order. */
export function readDatasetRows(file: string, format: DatasetFormat = datasetFormatOf(file)): AsyncGenerator<DatasetRow> {
  return format === "csv" ? csvRows(file) : jsonlRows(file);
}

/** The CSV header's column names (empty for JSON lines, whose fields are per row). */
export async function csvColumns(file: string): Promise<string[]> {
  for await (const { record } of createReadStream(file).pipe(parse({ bom: true, to_line: 1, info: true })) as AsyncIterable<{ record: string[] }>)
    return record.map((n) => n.trim());
  return [];
}
