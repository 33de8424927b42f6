import { z } from "zod";
import { secretSchema } from "../settings/fields.js";
import { retrySchema } from "../retry/retry-settings.js";

/**
 * The codes `territorial_scope` may hold: the EEA states, as the Transparency Database lists them
 * (EuropeanCountriesService::EUROPEAN_COUNTRY_CODES in its source).
 */
export const EEA_COUNTRY_CODES = [
  "AT",
  "BE",
  "BG",
  "CY",
  "CZ",
  "DE",
  "DK",
  "EE",
  "ES",
  "FI",
  "FR",
  "GR",
  "HR",
  "HU",
  "IE",
  "IS",
  "IT",
  "LI",
  "LT",
  "LU",
  "LV",
  "MT",
  "NL",
  "NO",
  "PL",
  "PT",
  "RO",
  "SE",
  "SI",
  "SK",
] as const;

export const dsaSchema = z
  .strictObject({
    territorialScope: z
      .array(z.enum(EEA_COUNTRY_CODES))
      .min(1, "must name at least one EEA state")
      .describe("`territorial_scope` of every statement of reasons: the EEA states (ISO codes) where a restriction applies (default: all 30).")
      .default([...EEA_COUNTRY_CODES]),
    token: secretSchema
      .optional()
      .describe(
        "Bearer token of the Transparency Database API for `arbiter dsa export --submit`: `{env: VARIABLE}` or `{file: path}` (unset: the environment variable DSA_API_TOKEN).",
      ),
    timeoutMs: z.int().min(100).describe("Longest wait for the API to answer one batch.").default(30_000),
    retry: retrySchema.describe("Retries of a batch the API did not take (no answer, 408, 429, 5xx)."),
  })
  .prefault({});

export type DsaSettings = z.output<typeof dsaSchema>;
