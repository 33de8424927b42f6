import { z } from "zod";

export const retrySchema = z
  .strictObject({
    initialDelayMs: z
      .int()
      .min(1)
      .describe("First wait before retrying a 5xx, 408, 429, timeout or connection error; it doubles each time, with jitter.")
      .default(250),
    maxDelayMs: z.int().min(1).describe("Longest wait between two attempts.").default(30_000),
    maxAttempts: z
      .int()
      .min(0)
      .describe("Attempts before the record goes to the dead-letter topic (0: retry until it succeeds or the worker stops; the post's later records wait).")
      .default(0),
  })
  .superRefine((r, ctx) => {
    if (r.initialDelayMs > r.maxDelayMs)
      ctx.addIssue({ code: "custom", path: ["initialDelayMs"], message: `(${r.initialDelayMs}) must not exceed maxDelayMs (${r.maxDelayMs})` });
  })
  .prefault({});

export type RetrySettings = z.output<typeof retrySchema>;
