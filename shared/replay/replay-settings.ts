import { z } from "zod";
import { nonBlank } from "../settings/fields.js";

export const replaySchema = z
  .strictObject({
    maxModelCalls: z
      .int()
      .min(1)
      .max(64)
      .describe("Model calls a replay or shadow run makes at once (its share of the model, beside live traffic).")
      .default(1),
    stateDir: nonBlank()
      .describe("Where a replay keeps its plan (range, policy version) so the same command resumes it (relative: from the repository root).")
      .default(".run/replay"),
  })
  .prefault({});

export type ReplaySettings = z.output<typeof replaySchema>;
