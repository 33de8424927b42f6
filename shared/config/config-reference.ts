import { z } from "zod";
import { arbiterConfigSchema } from "./arbiter-config.js";

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  default?: unknown;
  description?: string;
}

/** One setting as documented: its dotted key, its default (absent: unset) and its doc. */
export interface SettingDoc {
  key: string;
  hasDefault: boolean;
  default: unknown;
  doc: string;
}

let jsonSchema: JsonSchemaNode | undefined;

/** The settings schema as JSON Schema, input side: what a config file may say. */
export function configJsonSchema(): JsonSchemaNode {
  return (jsonSchema ??= z.toJSONSchema(arbiterConfigSchema, { io: "input" }) as JsonSchemaNode);
}

/** The keys the schema knows in the section at `path` (empty when `path` is no section). */
export function knownKeys(path: readonly PropertyKey[]): string[] {
  let node: JsonSchemaNode | undefined = configJsonSchema();
  for (const key of path) node = typeof key === "string" ? node?.properties?.[key] : undefined;
  return Object.keys(node?.properties ?? {});
}

/** Every leaf setting, in schema order. */
export function settingDocs(): SettingDoc[] {
  const out: SettingDoc[] = [];
  const walk = (node: JsonSchemaNode, prefix: string) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const dotted = prefix === "" ? key : `${prefix}.${key}`;
      if (child.properties) walk(child, dotted);
      else out.push({ key: dotted, hasDefault: "default" in child, default: child.default, doc: child.description ?? "" });
    }
  };
  walk(configJsonSchema(), "");
  return out;
}

/** The schema's defaults as a config file (what config/default.json must hold). */
export function configDefaults(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const setting of settingDocs()) {
    if (!setting.hasDefault) continue;
    const keys = setting.key.split(".");
    let node = out;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[keys.at(-1)!] = setting.default;
  }
  return out;
}

// The escalation engine has the engine's keys: the table lists only the defaults that differ.
const SAME_KEYS = { section: "escalationEngine", as: "engine" } as const;

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** A setting's default as the table shows it. */
export function defaultCell(setting: SettingDoc): string {
  return setting.hasDefault ? cell(`\`${JSON.stringify(setting.default)}\``) : "unset";
}

/** The settings table of docs/reference.md, generated from the schema. */
export function settingsTable(): string {
  const settings = settingDocs();
  const byKey = new Map(settings.map((s) => [s.key, s]));
  const rows = ["| setting | default | meaning |", "|---|---|---|"];
  let sameKeysRow = false;
  for (const s of settings) {
    if (s.key.startsWith(`${SAME_KEYS.section}.`)) {
      if (!sameKeysRow) {
        sameKeysRow = true;
        const doc = `${configJsonSchema().properties?.[SAME_KEYS.section]?.description ?? ""} The rows below are the defaults that differ.`;
        rows.push(`| \`${SAME_KEYS.section}.*\` | as \`${SAME_KEYS.as}.*\` | ${cell(doc)} |`);
      }
      const twin = byKey.get(`${SAME_KEYS.as}.${s.key.slice(SAME_KEYS.section.length + 1)}`);
      if (twin && JSON.stringify(twin.default) === JSON.stringify(s.default)) continue;
    }
    rows.push(`| \`${s.key}\` | ${defaultCell(s)} | ${cell(s.doc)} |`);
  }
  return rows.join("\n");
}

export const TABLE_BEGIN = "<!-- settings table: generated from shared/config/arbiter-config.ts by `npm run config:defaults`; do not edit -->";
export const TABLE_END = "<!-- end of settings table -->";

/** A Markdown document (docs/reference.md) with its settings table replaced by the generated one. */
export function withSettingsTable(readme: string): string {
  const begin = readme.indexOf(TABLE_BEGIN);
  const end = readme.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`docs/reference.md: no settings table between "${TABLE_BEGIN}" and "${TABLE_END}"`);
  return `${readme.slice(0, begin + TABLE_BEGIN.length)}\n${settingsTable()}\n${readme.slice(end)}`;
}

/** config/default.json as `npm run config:defaults` writes it. */
export function defaultConfigText(): string {
  return `${JSON.stringify(configDefaults(), null, 2)}\n`;
}
