import { jest } from "@jest/globals";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { parsePolicy } from "@arbiter/shared/policy/parse-policy.js";
import { finished, runCli, spawnCli } from "../../support/cli.js";
import { modelPath, repoRoot, testModels } from "../../support/env.js";
import { testEngineSettings } from "../../support/worker.js";

jest.setTimeout(600_000);

const dir = mkdtempSync(path.join(tmpdir(), "arbiter-cli-eval-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const gemma = modelPath(testModels.gemma);
const env = { ARBITER_CONFIG_JSON: JSON.stringify({ engine: testEngineSettings(), log: { level: "warn" } }) };
const policyA = path.join(repoRoot, "test/fixtures/policies/test-spam.md");
/** The same policy without its "free money" keyword: that post no longer reaches the model. */
const draft = path.join(dir, "test-spam-draft.md");
writeFileSync(draft, readFileSync(policyA, "utf8").replace("  - free money\n", ""));
const policyB = draft;
/** How the reports name a policy given as a file: its id, version and path. */
const nameOf = (file: string) => `test-spam@${parsePolicy(readFileSync(file, "utf8"), file).version} (${file})`;
const [nameA, nameB] = [nameOf(policyA), nameOf(policyB)];

// k*: a test-spam keyword sends them to the model. n*: no keyword, so the prefilter allows them
// without a model call — a known outcome: n1, n2, n4 are true negatives, n3 and n6 misses.
const posts = [
  { id: "k1", text: "Buy followers cheap, 1000 for 5 dollars", label: 1 },
  { id: "k2", text: "Crypto giveaway: send 1 BTC and get 2 back", label: 1 },
  { id: "k3", text: "Free money for everyone who clicks my link", label: 1 },
  { id: "k4", text: "Is it against the rules to buy followers for a school project?", label: 0 },
  { id: "n1", text: "Does anyone know a good pizza place?", label: 0 },
  { id: "n2", text: "Great match yesterday, well played everyone", label: 0 },
  { id: "n3", text: "DM me for cheap game keys, best prices", label: 1 },
  { id: "n4", text: "I lost my wallet near the station", label: 0 },
  { id: "n5", text: "Anyone up for a raid tonight?", label: 0 },
  { id: "n6", text: "Follow my channel for daily skin drops", label: 1 },
];
const dataset = path.join(dir, "labelled.jsonl");
writeFileSync(dataset, posts.map((p) => JSON.stringify(p)).join("\n") + "\n");

interface PostResultJson {
  id: string;
  line: number;
  label: boolean;
  outcome: "prefilter" | "model" | "failed" | "invalid";
  decision: string | null;
  confidence: number | null;
  ruleIds: string[];
  action: string | null;
  latencyMs: number;
}
interface ShareJson {
  k: number;
  n: number;
  rate: number;
}
interface ReportJson {
  name: string;
  counts: { posts: number; scored: number; failed: number; invalid: number; positives: number };
  confusion: { tp: number; fp: number; tn: number; fn: number };
  scores: { precision: ShareJson; recall: ShareJson; f1: number; accuracy: ShareJson; falsePositiveRate: ShareJson };
  rules: { ruleId: string; flagged: number; truePositives: number }[];
  funnel: { passRate: ShareJson; recallThroughPrefilter: ShareJson };
  escalationRate: ShareJson;
  calibration: { n: number; ece: number | null; bins: { n: number }[] };
  latencyMs: { all: { p50: number; p95: number }; model: { p50: number | null; p95: number | null } };
  curve: { threshold: number; precision: number; recall: number }[];
  disagreements: { id: string }[];
}
interface EvalJson {
  reports: ReportJson[];
  flips: { id: string; a: boolean; b: boolean }[] | null;
  results: { policy: string; posts: PostResultJson[] }[];
}

const violates = (r: PostResultJson) => r.outcome === "model" && r.decision === "violate";

/** The figures worked out from the per-post results and the labels, as a reviewer would by hand. */
function expectFiguresMatch(report: ReportJson, results: PostResultJson[]): void {
  const scored = results.filter((r) => r.outcome === "prefilter" || r.outcome === "model");
  const count = (f: (r: PostResultJson) => boolean) => scored.filter(f).length;
  const tp = count((r) => r.label && violates(r));
  const fp = count((r) => !r.label && violates(r));
  const tn = count((r) => !r.label && !violates(r));
  const fn = count((r) => r.label && !violates(r));
  expect(report.confusion).toEqual({ tp, fp, tn, fn });
  expect(report.scores.precision).toMatchObject({ k: tp, n: tp + fp });
  expect(report.scores.recall).toMatchObject({ k: tp, n: tp + fn });
  expect(report.scores.accuracy).toMatchObject({ k: tp + tn, n: scored.length });
  expect(report.scores.falsePositiveRate).toMatchObject({ k: fp, n: fp + tn });
  const p = tp + fp === 0 ? 0 : tp / (tp + fp);
  const r = tp + fn === 0 ? 0 : tp / (tp + fn);
  expect(report.scores.f1).toBeCloseTo(p + r === 0 ? 0 : (2 * p * r) / (p + r), 12);
  const decided = results.filter((x) => x.outcome !== "invalid");
  expect(report.escalationRate).toMatchObject({ k: decided.filter((x) => x.action === "REVIEW").length, n: decided.length });
  const modelVerdicts = scored.filter((x) => x.outcome === "model");
  expect(report.calibration.n).toBe(modelVerdicts.length);
  expect(report.calibration.bins.reduce((n, b) => n + b.n, 0)).toBe(modelVerdicts.length);
  for (const rule of report.rules) expect(rule.flagged).toBe(scored.filter((x) => violates(x) && x.ruleIds.includes(rule.ruleId)).length);
  expect(report.disagreements.map((d) => d.id).sort()).toEqual(
    scored
      .filter((x) => violates(x) !== x.label)
      .map((x) => x.id)
      .sort(),
  );
  const sentLatencies = decided.filter((x) => x.outcome !== "prefilter").map((x) => x.latencyMs);
  if (sentLatencies.length > 0) {
    expect(report.latencyMs.model.p50).toBeGreaterThanOrEqual(Math.min(...sentLatencies));
    expect(report.latencyMs.model.p95).toBeLessThanOrEqual(Math.max(...sentLatencies));
  }
  // At threshold 0.5 the curve is the verdict itself (confidence is at least 0.5 for the decision given).
  const half = report.curve.find((c) => c.threshold === 0.5)!;
  expect(half.recall).toBeCloseTo(r, 12);
}

function readJson(file: string): EvalJson {
  return JSON.parse(readFileSync(file, "utf8")) as EvalJson;
}

const resultsDir = path.join(dir, "results");

test("eval of one policy: figures that agree with the per-post results, a review sample, JSON and an HTML report", async () => {
  const json = path.join(dir, "one.json");
  const html = path.join(dir, "one.html");
  const run = await runCli(
    [
      "eval",
      "--dataset",
      dataset,
      "--policy",
      policyA,
      "--model",
      gemma,
      "--json",
      json,
      "--html",
      html,
      "--review",
      "3",
      "--seed",
      "5",
      "--results-dir",
      resultsDir,
    ],
    env,
    300_000,
  );
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  const out = readJson(json);
  const report = out.reports[0]!;
  const results = out.results[0]!.posts;
  expect(results.map((r) => r.id)).toEqual(posts.map((p) => p.id));
  expect(results.map((r) => r.label)).toEqual(posts.map((p) => p.label === 1));

  // What the prefilter decides is known without the model.
  for (const r of results.filter((x) => x.id.startsWith("n"))) expect(r).toMatchObject({ outcome: "prefilter", action: "ALLOW", decision: "allow" });
  for (const r of results.filter((x) => x.id.startsWith("k"))) expect(["model", "failed"]).toContain(r.outcome);
  expect(report.counts).toMatchObject({ posts: 10, invalid: 0 });
  expect(report.funnel.passRate).toMatchObject({ k: 4, n: 10 }); // k1–k4
  expect(report.funnel.recallThroughPrefilter).toMatchObject({ k: 3, n: 5 }); // k1–k3 of the five violating posts
  expect(report.confusion.tn).toBeGreaterThanOrEqual(4); // n1, n2, n4, n5
  expect(report.confusion.fn).toBeGreaterThanOrEqual(2); // n3, n6
  expectFiguresMatch(report, results);

  expect(run.stdout).toMatch(/precision +\d\.\d{3} \[/);
  expect(run.stdout).toContain("labelled violate");
  expect(run.stdout).toMatch(/FN line 7 id n3: allowed at the prefilter/);
  const modelCount = results.filter((r) => r.outcome === "model").length;
  expect(run.stdout).toContain(`review: ${Math.min(3, modelCount)} model decision(s) of ${nameA} drawn at random (seed 5)`);
  expect(run.stdout.match(/^— line \d+ id k\d/gm) ?? []).toHaveLength(Math.min(3, modelCount));

  // The HTML report in a real browser: the matrix as reported, both charts drawn.
  const profile = mkdtempSync(path.join(tmpdir(), "arbiter-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`file://${html}`);
    for (const cell of ["tp", "fp", "tn", "fn"] as const) {
      expect(await page.locator(`table.confusion td[data-cell="${cell}"]`).textContent()).toBe(String(report.confusion[cell]));
    }
    const threshold = page.locator('figure[data-chart="threshold"] svg');
    expect((await threshold.boundingBox())!.width).toBeGreaterThan(200);
    expect(await page.locator('figure[data-chart="threshold"] polyline.series').count()).toBe(3);
    expect(await page.locator('figure[data-chart="threshold"] line.marker').count()).toBe(1);
    const calibration = page.locator('figure[data-chart="calibration"] svg');
    expect((await calibration.boundingBox())!.height).toBeGreaterThan(150);
    expect(await page.locator('figure[data-chart="calibration"] circle.series-point').count()).toBe(report.calibration.bins.filter((b) => b.n > 0).length);
    expect(await page.locator('figure[data-chart="calibration"] line.diagonal').count()).toBe(1);
    expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test("eval of two policy versions side by side: the first resumes from the earlier run, and the posts that flip are listed", async () => {
  const json = path.join(dir, "two.json");
  const html = path.join(dir, "two.html");
  const run = await runCli(
    [
      "eval",
      "--dataset",
      dataset,
      "--policy",
      policyA,
      "--policy",
      policyB,
      "--model",
      gemma,
      "--json",
      json,
      "--html",
      html,
      "--quiet",
      "--results-dir",
      resultsDir,
    ],
    env,
    300_000,
  );
  expect(run.code).toBe(0);
  expect(run.stderr).toContain("resumed: 10 decision(s)");
  const out = readJson(json);
  expect(out.reports.map((r) => r.name)).toEqual([nameA, nameB]);
  const [a, b] = out.results.map((x) => x.posts) as [PostResultJson[], PostResultJson[]];
  expectFiguresMatch(out.reports[1]!, b);
  expect(b.find((r) => r.id === "k3")).toMatchObject({ outcome: "prefilter", decision: "allow" }); // its keyword is gone
  expect(out.reports[1]!.funnel.passRate).toMatchObject({ k: 3, n: 10 });
  const expectedFlips = a.filter((x, i) => violates(x) !== violates(b[i]!)).map((x) => x.id);
  expect(out.flips!.map((f) => f.id)).toEqual(expectedFlips);
  expect(run.stdout).toContain(`posts that flip from ${nameA} to ${nameB}: ${expectedFlips.length}`);
  const page = readFileSync(html, "utf8");
  expect(page.match(/<section class="policy-report"/g)).toHaveLength(2);
  expect(page).toContain(`Posts that flip (${expectedFlips.length})`);
});

test("eval over CSV with named columns and a positive label value; a bad row stops with its line, or is skipped", async () => {
  const csv = path.join(dir, "labelled.csv");
  // No test-spam keyword in any row: every post is allowed at the prefilter, so the figures are known.
  writeFileSync(csv, 'message,verdict\n"hello, friends",ham\nclick here for daily skin drops,spam\n"see you, tomorrow",ham\nwholesale game keys,spam\n,ham\n');
  const stopped = await runCli(
    [
      "eval",
      "--dataset",
      csv,
      "--text-col",
      "message",
      "--label-col",
      "verdict",
      "--positive",
      "spam",
      "--policy",
      policyA,
      "--model",
      gemma,
      "--results-dir",
      resultsDir,
    ],
    env,
  );
  expect(stopped.code).toBe(1);
  expect(stopped.stderr).toContain(`${csv}:6: no text (field "message")`);
  const json = path.join(dir, "csv.json");
  const run = await runCli(
    [
      "eval",
      "--dataset",
      csv,
      "--text-col",
      "message",
      "--label-col",
      "verdict",
      "--positive",
      "spam",
      "--on-bad-line",
      "skip",
      "--policy",
      policyA,
      "--model",
      gemma,
      "--json",
      json,
      "--results-dir",
      resultsDir,
    ],
    env,
  );
  expect(run.code).toBe(0);
  expect(run.stderr).toContain(`${csv}:6: no text`);
  const report = readJson(json).reports[0]!;
  expect(report.confusion).toEqual({ tp: 0, fp: 0, tn: 2, fn: 2 });
  expect(report.scores.recall).toMatchObject({ k: 0, n: 2, rate: 0 });
  expect(report.scores.accuracy).toMatchObject({ k: 2, n: 4, rate: 0.5 });
  expect(report.funnel.passRate).toMatchObject({ k: 0, n: 4 });
  expect(report.latencyMs.model).toEqual({ p50: null, p95: null });
  const noColumn = await runCli(["eval", "--dataset", csv, "--policy", policyA], env);
  expect(noColumn.code).toBe(2);
  expect(noColumn.stderr).toContain(`${csv}:1: no column "text" (--text-col)`);
});

test("an interrupted eval exits 130 keeping what it decided, and the same command resumes", async () => {
  const keyworded = path.join(dir, "keyworded.jsonl");
  writeFileSync(
    keyworded,
    posts
      .filter((p) => p.id.startsWith("k"))
      .map((p) => JSON.stringify({ ...p, id: `i-${p.id}` }))
      .join("\n") + "\n",
  );
  const interruptedDir = path.join(dir, "interrupted");
  const args = ["eval", "--dataset", keyworded, "--policy", policyA, "--model", gemma, "--results-dir", interruptedDir];
  const child = spawnCli(args, env);
  const done = finished(child, 300_000, args);
  // Wait for the first decided post in the results file (its first line is the run key).
  const deadline = Date.now() + 240_000;
  const decidedLines = () => {
    const file = existsSync(interruptedDir) ? readdirResults(interruptedDir) : null;
    return file ? readFileSync(file, "utf8").trim().split("\n").length - 1 : 0;
  };
  while (decidedLines() < 1 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
  child.kill("SIGINT");
  const first = await done;
  expect(first.code).toBe(130);
  expect(first.stderr).toMatch(/interrupted: \d of 4 decisions kept in .*run the same command again to resume/);
  const kept = decidedLines();
  expect(kept).toBeGreaterThanOrEqual(1);

  const again = await runCli([...args, "--quiet"], env, 300_000);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain(`resumed: ${kept} decision(s)`);
  expect(decidedLines()).toBe(4);
});

function readdirResults(folder: string): string | null {
  const name = readdirSync(folder).find((f) => f.endsWith(".jsonl"));
  return name ? path.join(folder, name) : null;
}
