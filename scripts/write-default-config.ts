// `npm run config:defaults`: writes config/default.json and the settings table of docs/reference.md from the settings schema.
import { readFileSync, writeFileSync } from "node:fs";
import { defaultConfigText, withSettingsTable } from "@arbiter/shared/config/config-reference.js";
import { defaultConfigPath, resolveFromRoot } from "@arbiter/shared/settings/repo-root.js";

const referencePath = resolveFromRoot("docs/reference.md");
writeFileSync(defaultConfigPath, defaultConfigText());
writeFileSync(referencePath, withSettingsTable(readFileSync(referencePath, "utf8")));
process.stdout.write(`wrote ${defaultConfigPath} and the settings table of ${referencePath}\n`);
