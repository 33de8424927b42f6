import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { RetriesExhaustedError } from "@arbiter/shared/retry/errors/retries-exhausted-error.js";
import { batches, exportStatements, submitBatches } from "@arbiter/shared/dsa/statement-export.js";
import type { StatementPolicy } from "@arbiter/shared/dsa/statement.js";
import { decisionFor } from "../../support/decisions.js";
import { FakeTransparencyDatabase } from "../../support/fakes/dsa-transparency-fake.js";

// The fake answers over real HTTP on 127.0.0.1: the client's path through fetch, headers and statuses is the one used against the EU's API.
const policies = new Map<string, StatementPolicy>([
  [
    "cheats",
    {
      id: "cheats",
      title: "Cheats",
      dsa: {
        category: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        specification: [],
        specificationOther: null,
        ground: "incompatible",
        tosUrl: "https://f.example/t",
        legalGround: null,
        explanation: null,
      },
    },
  ],
]);
const statements = exportStatements(
  { decisions: Array.from({ length: 150 }, (_, i) => decisionFor(`p${i}`, "HIDE", "primary")), tickets: [], appeals: [] },
  policies,
  ["DE"],
).statements;
const retry = { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 };
const fake = new FakeTransparencyDatabase("secret");

beforeAll(() => fake.start());
afterAll(() => fake.stop());

describe("submitBatches against the fake Transparency Database", () => {
  it("posts batches of at most 100 with the bearer token: 201 for each; a repeat is refused (422) and recorded", async () => {
    const first = await submitBatches(fake.url, "secret", "dsa.token", batches(statements), { retry, timeoutMs: 5000, logger: silentLogger });
    expect(first).toEqual({ batches: 2, created: 150, refused: [] });
    expect(fake.accepted).toHaveLength(150);
    const again = await submitBatches(fake.url, "secret", "dsa.token", batches(statements.slice(0, 10)), { retry, timeoutMs: 5000, logger: silentLogger });
    expect(again.created).toBe(0);
    expect(again.refused).toEqual([{ firstPuid: statements[0]!.puid, status: 422, body: expect.stringContaining("existing_puids") }]);
  });

  it("a statement the API does not accept is a 422 naming the statement and the field", async () => {
    const bad = { ...statements[0]!, puid: "has spaces", decision_facts: "" };
    const result = await submitBatches(fake.url, "secret", "dsa.token", [{ statements: [bad] }], { retry, timeoutMs: 5000, logger: silentLogger });
    const body = JSON.parse(result.refused[0]!.body) as { errors: Record<string, Record<string, string[]>> };
    expect(Object.keys(body.errors.statement_0!).sort()).toEqual(["decision_facts", "puid"]);
  });

  it("a wrong token is refused (401); a database that stays down ends in the retries' error", async () => {
    const refused = await submitBatches(fake.url, "wrong", "dsa.token", [{ statements: [statements[149]!] }], { retry, timeoutMs: 5000, logger: silentLogger });
    expect(refused.refused[0]!.status).toBe(401);
    fake.failNext([503, 503, 503]);
    await expect(
      submitBatches(fake.url, "secret", "dsa.token", [{ statements: [statements[149]!] }], { retry, timeoutMs: 5000, logger: silentLogger }),
    ).rejects.toBeInstanceOf(RetriesExhaustedError);
  });
});
