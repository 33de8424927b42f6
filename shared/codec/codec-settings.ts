import { z } from "zod";
import { nonBlank, secretSchema, tlsFields, tlsPairRule } from "../settings/fields.js";

// The input, output and schemaRegistry sections: how records are encoded, and where the Schema Registry is.

export const postFormatSchema = z.enum(["avro", "json", "confluent-avro"]);
export const outputFormatSchema = z.enum(["avro", "confluent-avro"]);
/** The actions a decision for an unreadable post may take (a banner needs a policy that asked for one). */
export const unreadableActionSchema = z.enum(["REVIEW", "HIDE", "ALLOW"]);

/** The Post fields a producer's schema may name otherwise (shared/codec/records.ts). */
export const POST_FIELDS = ["id", "forumId", "authorId", "text", "language", "createdAt", "metadata", "threadId"] as const;

export const inputSchema = z
  .strictObject({
    format: postFormatSchema
      .describe(
        "Encoding of records on the posts topic: `avro` (Arbiter's, the writer's fingerprint in a header), `json` (one Post object per record), `confluent-avro` (Confluent wire format, the writer schema from `schemaRegistry`).",
      )
      .default("avro"),
    maxRecordBytes: z.int().min(64).describe("A larger record is a dead letter.").default(1_048_576),
    onUnreadable: unreadableActionSchema
      .describe(
        "The action of the decision a post gets when it cannot be read (empty, oversized, malformed, a field out of range), besides its dead letter: `REVIEW` raises a ticket, `HIDE` hides it, `ALLOW` shows it. Only a post whose id can be recovered (its JSON `id`, else the record key) gets one.",
      )
      .default("REVIEW"),
    fieldMap: z
      .partialRecord(z.enum(POST_FIELDS), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an Avro field name"))
      .describe(
        '`confluent-avro`: the producer\'s field name per Post field it names otherwise, e.g. `{text: "body", forumId: "community"}`; fields Post lacks are ignored, a post without `id` or `text` is a dead letter naming it.',
      )
      .default({}),
  })
  .superRefine((i, ctx) => {
    if (i.format !== "confluent-avro" && Object.keys(i.fieldMap).length > 0)
      ctx.addIssue({ code: "custom", path: ["fieldMap"], message: `is set but input.format is "${i.format}", not "confluent-avro"` });
    // Each producer field feeds one Post field: two reading the same name would make the reader schema ambiguous.
    const readBy = new Map<string, string>();
    for (const field of POST_FIELDS) {
      const source = i.fieldMap[field] ?? field;
      const other = readBy.get(source);
      if (other !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["fieldMap", i.fieldMap[field] === undefined ? other : field],
          message: `reads producer field "${source}", which Post.${i.fieldMap[field] === undefined ? field : other} reads too`,
        });
      readBy.set(source, field);
    }
  })
  .prefault({});

export const outputSchema = z
  .strictObject({
    format: outputFormatSchema
      .describe(
        "Encoding of every record Arbiter writes: `avro` (the writer's fingerprint in a header), `confluent-avro` (Confluent wire format, schemas registered under `<topic>-value` in `schemaRegistry`; the fingerprint header stays).",
      )
      .default("avro"),
  })
  .prefault({});

export const schemaRegistrySchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^https?:\/\/[^/\s@]+(\/|$)/, "must be an http:// or https:// URL, without credentials (those go in username and password)")
      .optional()
      .describe(
        "Base URL of the Confluent-compatible Schema Registry API (e.g. `http://registry:8081`, Apicurio's `…/apis/ccompat/v7`); needed by the `confluent-avro` formats.",
      ),
    username: nonBlank().optional().describe("Basic-auth user (Confluent Cloud: the API key)."),
    password: secretSchema
      .optional()
      .describe("Basic-auth password (with `username`): `{env: VARIABLE}` or `{file: path}`; a plain string only for local tests."),
    tls: z.strictObject(tlsFields).superRefine(tlsPairRule).describe("TLS settings of an https:// URL.").prefault({}),
    timeoutMs: z.int().min(100).describe("Deadline per registry request; a slower answer counts as the registry being down.").default(5000),
    notFoundAttempts: z
      .int()
      .min(1)
      .max(10)
      .describe(
        "Fetches of a schema id the registry says it does not know (404), refuses (another 4xx, a 500, an oversized answer) before its posts are dead letters (`UNKNOWN_SCHEMA_ID`, `SCHEMA_REGISTRY_REFUSED`; a replica may lag the registry's leader).",
      )
      .default(3),
    unknownIdTtlMs: z
      .int()
      .min(1000)
      .describe("How long an id noted as unknown or refused stands before the registry is asked again (it may have been registered since).")
      .default(60_000),
    unknownIdCacheSize: z
      .int()
      .min(1)
      .describe("Most schema ids noted as unknown or refused at once (ids come from records anyone may write); past it the oldest notes go first.")
      .default(10_000),
    maxResponseBytes: z
      .int()
      .min(1024)
      .describe("Largest registry answer read; a larger one is refused (its id's posts are `SCHEMA_REGISTRY_REFUSED` dead letters).")
      .default(4_194_304),
    retryMaxMs: z
      .int()
      .min(100)
      .describe("Longest wait between attempts while the registry is down: posts wait (the stream pauses), none is dead-lettered for an outage.")
      .default(10_000),
    autoRegister: z
      .boolean()
      .describe(
        "Register Arbiter's output schemas at start (after the compatibility check); false: they must be registered already, else the worker does not start.",
      )
      .default(true),
  })
  .superRefine((r, ctx) => {
    if ((r.username === undefined) !== (r.password === undefined))
      ctx.addIssue({
        code: "custom",
        path: [r.username === undefined ? "username" : "password"],
        message: "must be set with the other of username and password",
      });
    if (r.url !== undefined && !r.url.startsWith("https://"))
      for (const key of ["ca", "cert", "key", "servername"] as const)
        if (r.tls[key] !== undefined) ctx.addIssue({ code: "custom", path: ["tls", key], message: "is set but schemaRegistry.url is not https://" });
  })
  .prefault({});

export type PostFormat = z.infer<typeof postFormatSchema>;
export type OutputFormat = z.infer<typeof outputFormatSchema>;
export type UnreadableAction = z.infer<typeof unreadableActionSchema>;
export type InputSettings = z.output<typeof inputSchema>;
export type OutputSettings = z.output<typeof outputSchema>;
export type SchemaRegistrySettings = z.output<typeof schemaRegistrySchema>;
export type PostField = (typeof POST_FIELDS)[number];
