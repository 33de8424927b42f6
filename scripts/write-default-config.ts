// `npm run config:defaults`: writes config/default.json and the README's settings table from the settings schema.
import { readFileSync, writeFileSync } from "node:fs";
import { defaultConfigText, withSettingsTable } from "@arbiter/shared/config/config-reference.js";
import { defaultConfigPath, resolveFromRoot } from "@arbiter/shared/settings/repo-root.js";

const readmePath = resolveFromRoot("README.md");
writeFileSync(defaultConfigPath, defaultConfigText());
writeFileSync(readmePath, withSettingsTable(readFileSync(readmePath, "utf8")));
process.stdout.write(`wrote ${defaultConfigPath} and the settings table of ${readmePath}\n`);
