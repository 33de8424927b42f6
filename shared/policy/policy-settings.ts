import { z } from "zod";
import { nonBlank } from "../settings/fields.js";

// The policies section: the folder, the registry's behaviour, the limits of arbiter policy validate.

export const policiesSchema = z
  .strictObject({
    dir: nonBlank().describe("Folder of `<id>.md` policies (relative paths: from the repository root).").default("config/policies"),
    only: z.array(nonBlank()).describe("Only these policy ids (empty: every policy in the folder, or in the registry).").default([]),
    registry: z
      .strictObject({
        enabled: z
          .boolean()
          .describe(
            "Policies live in Redis (the `redis` section's connection; keys under `redis.keyPrefix` + `policy:`): every version kept, a current pointer per id, changes over pub/sub, so running workers switch without a restart. `dir` seeds the ids the registry lacks. false: `dir` is read once at start.",
          )
          .default(true),
        snapshotFile: nonBlank()
          .describe(
            "The last policy set read from the registry, rewritten at each change; a worker that starts while Redis is down runs on it (relative paths: from the repository root).",
          )
          .default(".run/policy-snapshot.json"),
        startTimeoutMs: z.int().min(100).describe("How long a starting worker waits for Redis before it runs on the snapshot.").default(3000),
        refreshMs: z
          .int()
          .min(100)
          .describe("The current pointers are also re-read this often: a lost pub/sub message or Redis coming back still reaches the worker.")
          .default(10_000),
      })
      .prefault({}),
    maxBodyChars: z.int().min(100).describe("`arbiter policy validate` and `push`: a longer policy body (the text the model reads) is rejected.").default(8000),
    maxTokens: z
      .int()
      .min(10)
      .describe("`arbiter policy validate --model` and `push --model`: a body of more tokens is rejected (400–600 is the sweet spot; outside it is a warning).")
      .default(1500),
  })
  .prefault({});

export type PolicySettings = z.output<typeof policiesSchema>;
export type PolicyRegistrySettings = PolicySettings["registry"];
