import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";

/** One labelled text of a public test set. */
export interface LabelledCase {
  text: string;
  harmful: boolean;
  /** The set's own label (`hateful`, `unsafe`, `SP2`…). */
  label: string;
  /** The set's grouping (HateCheck functionality, XSTest type, spam label), for miss reports. */
  group: string;
  /** The template the case was written from, where the set has one (HateCheck, MHC). */
  templateId?: string;
}

/** A CSV file with a header row as one record per row, keyed by column name. */
export function readCsvRecords(file: string): Record<string, string>[] {
  return parse<Record<string, string>>(readFileSync(file), { columns: true, bom: true, skip_empty_lines: true });
}

function column(record: Record<string, string>, name: string, file: string): string {
  const value = record[name];
  if (value === undefined) throw new Error(`${file}: no column "${name}"`);
  return value;
}

/**
 * HateCheck or Multilingual HateCheck (same columns): `test_case`, `label_gold`
 * (hateful / non-hateful), `functionality`, `templ_id`. MHC's template ids are HateCheck's
 * (a translated template keeps its id).
 */
export function loadHateCheck(file: string): LabelledCase[] {
  return readCsvRecords(file).map((r) => {
    const label = column(r, "label_gold", file);
    return {
      text: column(r, "test_case", file),
      harmful: label === "hateful",
      label,
      group: column(r, "functionality", file),
      templateId: column(r, "templ_id", file),
    };
  });
}

/** XSTest: `prompt`, `label` (safe / unsafe), `type`. */
export function loadXsTest(file: string): LabelledCase[] {
  return readCsvRecords(file).map((r) => {
    const label = column(r, "label", file);
    return { text: column(r, "prompt", file), harmful: label === "unsafe", label, group: column(r, "type", file) };
  });
}

/**
 * OpenAI's spam golden set: text in the 2nd column, label (SP0–SP4) in the 10th; rows whose
 * first cell is not a number are section markers or totals. SP0 is the harmless label.
 */
export function loadSpamGolden(file: string): LabelledCase[] {
  const rows: string[][] = parse(readFileSync(file), { bom: true, relax_column_count: true, skip_empty_lines: true });
  return rows
    .filter((r) => /^\d+$/.test(r[0] ?? "") && (r[1] ?? "").trim().length > 0 && /^SP\d$/.test(r[9] ?? ""))
    .map((r) => {
      const label = r[9] as string;
      return { text: r[1] as string, harmful: label !== "SP0", label, group: label };
    });
}
