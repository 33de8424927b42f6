import { z } from "zod";

// The field shapes every room's settings schema builds on: credentials, TLS, non-empty strings.

export const nonBlank = () => z.string().regex(/\S/, "must not be empty");
export const topic = (name: string) =>
  z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,249}$/, "is not a legal Kafka topic name")
    .default(name);

/** A credential: inline (local runs and tests only), or read at start from an environment variable or a file (a mounted Secret). */
export const secretSchema = z.union(
  [
    nonBlank(),
    z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name") }),
    z.strictObject({ file: nonBlank() }),
  ],
  { error: "must be a string, {env: VARIABLE} or {file: path}" },
);

export const pem = (what: string) => nonBlank().optional().describe(`${what}: a PEM file path, or the PEM text itself.`);

/** Certificates and verification of one TLS client; Kafka's and Redis's sections share them. */
export const tlsFields = {
  ca: pem("CA certificates to trust (unset: Node's bundled CAs)"),
  cert: pem("Client certificate, for a server that asks for one (mutual TLS; with `key`)"),
  key: pem("Client private key (with `cert`)"),
  rejectUnauthorized: z.boolean().describe("Verify the server's certificate and name (false: only for a throwaway local test).").default(true),
  servername: nonBlank().optional().describe("Name the server's certificate must carry (and SNI), when it differs from the address connected to."),
};

export function tlsPairRule(t: { cert?: string | undefined; key?: string | undefined }, ctx: z.RefinementCtx): void {
  if ((t.cert === undefined) !== (t.key === undefined))
    ctx.addIssue({ code: "custom", path: [t.cert === undefined ? "cert" : "key"], message: "must be set with the other of cert and key" });
}

/** A credential with no default, read when the worker starts (as `kafka.sasl.password`). */
export const secretSetting = (doc: string) =>
  secretSchema.optional().describe(`${doc} \`{env: VARIABLE}\` or \`{file: path}\` (a mounted Secret); a plain string only for local tests.`);

export type Secret = z.output<typeof secretSchema>;
/** One TLS client's certificates and verification (`kafka.ssl` without `enabled`, `redis.tls`). */
export type TlsSettings = z.output<z.ZodObject<typeof tlsFields>>;
