import { readFileSync } from "node:fs";
import {
  configDefaults,
  defaultCell,
  defaultConfigText,
  settingDocs,
  TABLE_BEGIN,
  TABLE_END,
  withSettingsTable,
} from "@arbiter/shared/config/config-reference.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { defaultConfigPath, resolveFromRoot } from "@arbiter/shared/settings/repo-root.js";

const readme = readFileSync(resolveFromRoot("docs/reference.md"), "utf8");
const regenerate = "run `npm run config:defaults`";

/** What a settings table says that the schema does not: unknown keys, wrong defaults, missing keys. */
function tableProblems(markdown: string): string[] {
  const table = markdown.slice(markdown.indexOf(TABLE_BEGIN), markdown.indexOf(TABLE_END));
  const rows = [...table.matchAll(/^\| `([^`]+)` \| (.+?) \| .* \|$/gm)].map(([, key, cell]) => ({ key: key!, cell: cell! }));
  const settings = new Map(settingDocs().map((s) => [s.key, s]));
  const problems: string[] = [];
  for (const { key, cell } of rows) {
    if (key === "escalationEngine.*") continue;
    const setting = settings.get(key);
    if (!setting) problems.push(`${key}: no such setting`);
    else if (cell !== defaultCell(setting)) problems.push(`${key}: default ${cell}, the schema says ${defaultCell(setting)}`);
  }
  const listed = new Set(rows.map((r) => r.key));
  for (const setting of settings.values()) {
    const twin = setting.key.startsWith("escalationEngine.") ? settings.get(setting.key.replace(/^escalationEngine\./, "engine.")) : undefined;
    // The escalation engine's rows are those whose defaults differ from the engine's ("as engine.*").
    const coveredByTwin = twin !== undefined && listed.has("escalationEngine.*") && defaultCell(twin) === defaultCell(setting);
    if (!listed.has(setting.key) && !coveredByTwin) problems.push(`${setting.key}: not in the table`);
  }
  return problems;
}

test(`config/default.json is the schema's defaults (else ${regenerate})`, () => {
  expect(readFileSync(defaultConfigPath, "utf8")).toBe(defaultConfigText());
});

test("config/default.json loads to exactly the settings the schema's defaults give", () => {
  expect(loadConfig({}, { ARBITER_CONFIG: defaultConfigPath })).toEqual(loadConfig({}, {}));
  expect(loadConfig(configDefaults(), {})).toEqual(loadConfig({}, {}));
});

test("config/default.json holds no secrets", () => {
  const keys: string[] = [];
  const text = readFileSync(defaultConfigPath, "utf8");
  JSON.parse(text, (key, value: unknown) => (keys.push(key), value));
  expect(keys.filter((key) => /password|secret|sasl|credential|apikey|^token$/i.test(key))).toEqual([]);
  // No URL with userinfo (redis://user:pass@host).
  expect(text).not.toMatch(/:\/\/[^/"]*@/);
});

test(`the settings table of docs/reference.md is the generated one (else ${regenerate})`, () => {
  expect(withSettingsTable(readme)).toBe(readme);
});

test("every row of the settings table in docs/reference.md is a setting with the schema's default, and every setting has a row", () => {
  expect(tableProblems(readme)).toEqual([]);
  expect(settingDocs().length).toBeGreaterThan(60);
});

test("the escalation engine has exactly the engine's keys (what the table's escalationEngine.* row says)", () => {
  const keysOf = (section: string) =>
    settingDocs()
      .filter((s) => s.key.startsWith(`${section}.`))
      .map((s) => s.key.slice(section.length + 1));
  expect(keysOf("escalationEngine")).toEqual(keysOf("engine"));
});

test("the table check catches drift: a row the schema lacks, a wrong default, a missing row", () => {
  const drifted = readme.replace("| `http.port` | `9464` |", "| `http.port` | `8080` |").replace("| `http.host` |", "| `http.hostname` |");
  expect(tableProblems(drifted)).toEqual([
    "http.port: default `8080`, the schema says `9464`",
    "http.hostname: no such setting",
    "http.host: not in the table",
  ]);
});
