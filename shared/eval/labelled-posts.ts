import { readDatasetRows, type DatasetFormat } from "./dataset-file.js";

/** A post of a labelled set: `label` true when it violates the policy under test. */
export interface LabelledPost {
  id: string;
  text: string;
  label: boolean;
  /** Line of the file it came from (1-based). */
  line: number;
}

/** Which fields hold the text, the label and the id; `positive` is the label value that means "violates" (null: the usual spellings). */
export interface LabelColumns {
  text: string;
  label: string;
  id: string;
  positive: string | null;
}

export const DEFAULT_LABEL_COLUMNS: LabelColumns = { text: "text", label: "label", id: "id", positive: null };

const POSITIVE = new Set(["1", "true", "yes", "violate", "violates", "positive", "harmful", "unsafe"]);
const NEGATIVE = new Set(["0", "false", "no", "allow", "safe", "negative", "harmless", "benign"]);

/** A label as true (violates) or false; throws naming the value when it is neither. */
export function parseLabel(raw: unknown, positive: string | null): boolean {
  if (raw === undefined || raw === null || raw === "") throw new Error("no label");
  const text = String(raw).trim();
  if (positive !== null) return text === positive;
  const lower = text.toLowerCase();
  if (POSITIVE.has(lower)) return true;
  if (NEGATIVE.has(lower)) return false;
  throw new Error(`label ${JSON.stringify(text)} is neither positive nor negative: name the positive value with --positive`);
}

/** What to do with a row that is no labelled post: stop at it, or leave it out (each is reported through `warn`). */
export type BadRowPolicy = "stop" | "skip";

/**
 * The labelled posts of a JSON-lines or CSV file. A row without an id column gets `line-<n>`;
 * an id seen twice is a bad row (results are kept by id). A bad row throws `file:line: why`
 * under `stop`, and is reported and left out under `skip`.
 */
export async function readLabelledPosts(
  file: string,
  format: DatasetFormat,
  columns: LabelColumns,
  onBadRow: BadRowPolicy,
  warn: (message: string) => void,
): Promise<LabelledPost[]> {
  const posts: LabelledPost[] = [];
  const lineOfId = new Map<string, number>();
  for await (const row of readDatasetRows(file, format)) {
    let problem: string;
    if ("error" in row) problem = row.error;
    else {
      try {
        const f = row.fields;
        const text = f[columns.text];
        if (typeof text !== "string" || text.trim() === "") throw new Error(`no text (field "${columns.text}")`);
        const rawId = f[columns.id];
        const id = rawId === undefined || rawId === null || rawId === "" ? `line-${row.line}` : String(rawId);
        const seen = lineOfId.get(id);
        if (seen !== undefined) throw new Error(`id ${JSON.stringify(id)} also on line ${seen}`);
        let label: boolean;
        try {
          label = parseLabel(f[columns.label], columns.positive);
        } catch (error) {
          throw new Error(`${(error as Error).message} (field "${columns.label}")`);
        }
        lineOfId.set(id, row.line);
        posts.push({ id, text, label, line: row.line });
        continue;
      } catch (error) {
        problem = (error as Error).message;
      }
    }
    const where = `${file}:${row.line}: ${problem}`;
    if (onBadRow === "stop") throw new Error(`${where} (--on-bad-line skip leaves bad rows out)`);
    warn(`${where} (skipped)`);
  }
  return posts;
}
