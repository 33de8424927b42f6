// A worker whose context cannot hold a policy at the effort it runs at refuses to start, naming
// the policy, the effort and the shortfall (counted by the real model's tokenizer: Gemma 3 270M).
import { ContextPlanError } from "@arbiter/shared/engine/errors/context-plan-error.js";
import { startClassifierWorker } from "../../../workers/classifier/classifier-worker.js";
import { testNamespace } from "../../support/namespace.js";
import { testConfig, testEngineSettings, testLogger } from "../../support/worker.js";

const ns = testNamespace("context plan start");

test("a primary worker with too small a context stops at start, naming each policy, its effort and the shortfall", async () => {
  // 1,024 tokens: the fixture policies' prompts (~230 Gemma tokens) + 600 post tokens + 384 verdict + 64 do not fit.
  const config = testConfig(ns, { engine: { ...testEngineSettings(), contextSize: 1024, sequences: 1 }, kafka: { createTopics: false } });
  const error = await startClassifierWorker(config, await testLogger()).then(
    async (worker) => {
      await worker.stop();
      return null;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContextPlanError);
  const problems = (error as ContextPlanError).problems;
  expect(problems.length).toBe(2);
  for (const problem of problems) {
    const match =
      /^engine: policy (test-\w+) at effort (\w+) needs (\d+) tokens \(prompt (\d+) \+ post 600 \+ reasoning 0 \+ verdict 384 \+ margin 64\) but the context holds 1024: short by (\d+)$/.exec(
        problem,
      );
    expect(match).not.toBeNull();
    const [, , , total, prompt, short] = match!;
    expect(Number(total)).toBe(Number(prompt) + 600 + 384 + 64);
    expect(Number(short)).toBe(Number(total) - 1024);
  }
}, 120_000);
