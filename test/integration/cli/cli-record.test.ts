import { recordSchema } from "@arbiter/shared/record/record-settings.js";
import { RecordStore } from "@arbiter/shared/record/record-store.js";
import { runCli } from "../../support/cli.js";
import { decisionFor, verdict } from "../../support/decisions.js";
import { testNamespace } from "../../support/namespace.js";
import { testLogger } from "../../support/worker.js";

// `arbiter record search` as a user runs it, over the real PostgreSQL of scripts/postgres.sh.
const ns = testNamespace("cli record");
const postId = `${ns.id}-p`;
const word = `zq${ns.id.replace(/[^a-z0-9]/g, "").slice(-10)}`;
let store: RecordStore;

beforeAll(async () => {
  const logger = await testLogger();
  store = RecordStore.connect(recordSchema.parse({}), logger);
  await store.migrate(logger);
  await store.putDecision(
    decisionFor(postId, "HIDE", "primary", {
      verdicts: [verdict("fake-reviews", "violate", { policyVersion: "3", rationale: `A ${word} refund for a screenshot.` })],
    }),
  );
}, 30_000);

afterAll(async () => {
  await store?.erase({ post: postId });
  await store?.close();
});

test("search prints the matching decisions as JSON with the filters applied; a store that does not answer is exit code 3", async () => {
  const found = await runCli(["record", "search", `${word} screenshot`, "--policy", "fake-reviews", "--policy-version", "3", "--since", "7d", "--json"]);
  expect(found.code).toBe(0);
  expect(JSON.parse(found.stdout)).toEqual([expect.objectContaining({ postId, action: "HIDE", policyRefs: ["fake-reviews@3"], matched: ["rationale"] })]);
  const down = await runCli(["record", "search", word], {
    ARBITER_CONFIG_JSON: JSON.stringify({ record: { postgres: { url: "postgres://127.0.0.1:1/arbiter" } } }),
  });
  expect(down.code).toBe(3);
  expect(down.stderr).toContain("scripts/postgres.sh start");
}, 60_000);
