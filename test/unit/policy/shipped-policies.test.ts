import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parsePolicy } from "@arbiter/shared/policy/index.js";
import { repoRoot } from "../../support/env.js";

// The snapshot was written by the hand-written front-matter parser, before YAML replaced it: the
// parse of every shipped policy must not move. An edited policy needs `-u` (review the diff).
const dirs = ["config/policies", "test/fixtures/policies"];
const files = dirs.flatMap((dir) =>
  readdirSync(path.join(repoRoot, dir))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `${dir}/${name}`),
);

test("every shipped policy directory has policies to compare", () => {
  for (const dir of dirs) expect(files.filter((f) => f.startsWith(`${dir}/`)).length).toBeGreaterThan(0);
});

test.each(files)("%s parses to what it parsed to before the YAML front matter", (file) => {
  const { body, ...fields } = parsePolicy(readFileSync(path.join(repoRoot, file), "utf8"), file);
  // The body is long and model-facing: its hash and length stand for it.
  expect({ ...fields, body: { sha256: createHash("sha256").update(body).digest("hex"), chars: body.length } }).toMatchSnapshot();
});
