import { readFileSync } from "node:fs";
import { LineCounter, isMap, isScalar, parseDocument, type Node } from "yaml";
import { ConfigError } from "../settings/config-error.js";

/** A config file's settings, and the line of each dotted key where the format tells it (YAML). */
export interface ConfigFile {
  values: Record<string, unknown>;
  lineOf: ReadonlyMap<string, number>;
}

const VARIABLE = "ARBITER_CONFIG";

function mapping(value: unknown, file: string): Record<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new ConfigError(VARIABLE, `${file} must hold a mapping of settings, got ${Array.isArray(value) ? "a list" : JSON.stringify(value)}`);
}

function keyLines(node: unknown, lines: LineCounter, prefix: string, out: Map<string, number>): Map<string, number> {
  if (!isMap(node)) return out;
  for (const pair of node.items) {
    if (!isScalar(pair.key) || pair.key.range == null) continue;
    const dotted = prefix === "" ? String(pair.key.value) : `${prefix}.${String(pair.key.value)}`;
    out.set(dotted, lines.linePos(pair.key.range[0]).line);
    keyLines(pair.value as Node | null, lines, dotted, out);
  }
  return out;
}

function parseYaml(text: string, file: string): ConfigFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const error = doc.errors[0];
  if (error) throw new ConfigError(VARIABLE, `${file} line ${lines.linePos(error.pos[0]).line}: ${error.message}`);
  // An empty file (comments only) sets nothing.
  return { values: mapping(doc.toJS() ?? {}, file), lineOf: keyLines(doc.contents, lines, "", new Map()) };
}

function parseJson(text: string, file: string): ConfigFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(VARIABLE, `${file} is not JSON: ${(error as Error).message}`);
  }
  return { values: mapping(value, file), lineOf: new Map() };
}

/** Reads the file ARBITER_CONFIG names: YAML for `.yaml`/`.yml`, else JSON. */
export function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(VARIABLE, `cannot read ${file}: ${(error as Error).message}`);
  }
  return /\.ya?ml$/i.test(file) ? parseYaml(text, file) : parseJson(text, file);
}
