import { z } from "zod";
import { retrySchema } from "../retry/retry-settings.js";
import { nonBlank, secretSetting } from "../settings/fields.js";

// The record section: the store of record in PostgreSQL (shared/record), the record worker that
// feeds it (workers/record) and `arbiter record`.

/** The tables of the store, each with its own retention. */
export const RECORD_TABLES = ["decisions", "audit", "tickets", "appeals", "posts"] as const;
export type RecordTable = (typeof RECORD_TABLES)[number];

const days = (table: string, fallback: number) =>
  z.int().min(0).describe(`Days the ${table} are kept, counted from their own time (0: forever); the record worker deletes older rows.`).default(fallback);

/** A PostgreSQL text search configuration name (`english`, `simple`, ...): checked against pg_ts_config when used. */
const tsConfig = z.string().regex(/^[a-z_][a-z0-9_]*$/, "is not a text search configuration name");

export const recordSchema = z
  .strictObject({
    postgres: z
      .strictObject({
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
          .refine((url) => !/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(url), "holds a password: keep it in record.postgres.password")
          .describe(
            "The store of record: a postgres:// URL, host, port and database (the user in `record.postgres.user`, the password in `record.postgres.password`).",
          )
          .default("postgres://127.0.0.1:5432/arbiter"),
        user: nonBlank().describe("The PostgreSQL user (a user in the URL wins).").default("arbiter"),
        password: secretSetting("The PostgreSQL password (unset: the URL's, or none)."),
        poolSize: z.int().min(1).max(100).describe("Connections the worker, the console or a command keeps open.").default(4),
        statementTimeoutMs: z.int().min(100).describe("Longest a statement may run (a search included) before PostgreSQL cancels it.").default(10_000),
      })
      .prefault({}),
    groupId: nonBlank().describe("Consumer group of the record worker (it reads decisions, audit, tickets and appeals).").default("arbiter-record"),
    retry: retrySchema.describe("How the record worker retries a write while PostgreSQL does not answer (maxAttempts 0: until it does)."),
    retentionDays: z
      .strictObject({
        decisions: days("decisions", 400),
        audit: days("audit entries (the model's reasoning)", 90),
        tickets: days("tickets", 400),
        appeals: days("appeals", 400),
        posts: days("posts' text", 400),
      })
      .prefault({}),
    pruneIntervalMinutes: z
      .int()
      .min(0)
      .describe("How often the record worker deletes rows past their retention (0: never; `arbiter record prune` does it once).")
      .default(60),
    search: z
      .strictObject({
        defaultConfig: tsConfig
          .describe("Text search configuration of rationales, reasoning and posts whose language is unknown or not in `languages`.")
          .default("english"),
        languages: z
          .record(z.string().regex(/^[a-z]{2,3}$/, "must be an ISO 639 language code"), tsConfig)
          .describe("A post's language (ISO 639) → the text search configuration its text is indexed with.")
          .default({
            da: "danish",
            de: "german",
            en: "english",
            es: "spanish",
            fi: "finnish",
            fr: "french",
            hu: "hungarian",
            it: "italian",
            nl: "dutch",
            no: "norwegian",
            pt: "portuguese",
            ro: "romanian",
            ru: "russian",
            sv: "swedish",
            tr: "turkish",
          }),
        limit: z.int().min(1).max(1000).describe("Most results a search returns (the console's and `arbiter record search`'s default).").default(50),
      })
      .prefault({}),
  })
  .prefault({});

export type RecordSettings = z.output<typeof recordSchema>;
