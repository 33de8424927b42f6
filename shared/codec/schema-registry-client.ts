import http from "node:http";
import https from "node:https";
import type { ConnectionOptions } from "node:tls";
import type { SchemaRegistrySettings } from "./codec-settings.js";
import { ConfigError } from "../settings/config-error.js";
import { certificateProblem, resolveSecret, tlsOptions } from "../settings/transport-security.js";
import { IncompatibleSchemaError } from "./errors/incompatible-schema-error.js";
import { SchemaRegistryRequestError } from "./errors/schema-registry-request-error.js";
import { SchemaRegistryUnavailableError } from "./errors/schema-registry-unavailable-error.js";
import { SchemaNotFoundError } from "./errors/schema-not-found-error.js";

export interface RegistryClientOptions {
  /** Base URL of the Confluent-compatible API, without credentials. */
  url: string;
  username?: string;
  password?: string;
  /** TLS of an https:// URL. */
  tls?: ConnectionOptions;
  /** Deadline per request, answer included. */
  timeoutMs: number;
  /** Largest answer read; a larger one is refused (default 4 MiB). */
  maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** A schema as the registry holds it. */
export interface RegisteredSchema {
  id: number;
  /** AVRO (the registry leaves it out for Avro), PROTOBUF or JSON. */
  schemaType: string;
  schema: string;
}

/** What the registry said of a schema against a subject's latest version. */
export type Compatibility = { kind: "no-versions" } | { kind: "compatible" } | { kind: "incompatible"; reason: string };

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

const MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";
// The settings named by errors about the registry's answers.
const SECTION = "schemaRegistry";

/**
 * The few calls of the Confluent Schema Registry API Arbiter makes, over node:http(s): one attempt
 * each (callers choose their retries), each within `timeoutMs`. Errors say what to do: a
 * {@link SchemaRegistryUnavailableError} (refused, reset, timed out, 5xx, 429) is worth retrying; a
 * {@link SchemaNotFoundError} is the registry's answer; a {@link ConfigError} names the setting
 * at fault (credentials, TLS); a {@link SchemaRegistryRequestError} is any other refusal.
 */
export class SchemaRegistryClient {
  private readonly base: string;
  private readonly agent: http.Agent;
  private readonly authorization: string | undefined;

  constructor(private readonly options: RegistryClientOptions) {
    this.base = options.url.replace(/\/+$/, "");
    const secure = this.base.startsWith("https://");
    this.agent = secure ? new https.Agent({ keepAlive: true, ...options.tls }) : new http.Agent({ keepAlive: true });
    this.authorization =
      options.username === undefined ? undefined : `Basic ${Buffer.from(`${options.username}:${options.password ?? ""}`).toString("base64")}`;
  }

  /** The client of the `schemaRegistry` settings; the password is read here (env or file), not at config load. */
  static fromSettings(settings: SchemaRegistrySettings): SchemaRegistryClient {
    if (settings.url === undefined) throw new ConfigError(`${SECTION}.url`, "is unset");
    return new SchemaRegistryClient({
      url: settings.url,
      timeoutMs: settings.timeoutMs,
      maxResponseBytes: settings.maxResponseBytes,
      ...(settings.username === undefined ? {} : { username: settings.username }),
      ...(settings.password === undefined ? {} : { password: resolveSecret(settings.password, `${SECTION}.password`) }),
      ...(settings.url.startsWith("https://") ? { tls: tlsOptions(settings.tls, `${SECTION}.tls`) } : {}),
    });
  }

  get url(): string {
    return this.base;
  }

  async schemaById(id: number, signal?: AbortSignal): Promise<RegisteredSchema> {
    const answer = await this.request("GET", `/schemas/ids/${id}`, undefined, signal);
    if (answer.status === 404) throw new SchemaNotFoundError(id, `the schema registry has no schema with id ${id} (${registryMessage(answer)})`);
    this.expectOk(answer, `GET /schemas/ids/${id}`);
    const schema = answer.body.schema;
    if (typeof schema !== "string") throw new SchemaRegistryRequestError(`GET /schemas/ids/${id}: the answer holds no schema`, answer.status);
    return { id, schemaType: typeof answer.body.schemaType === "string" ? answer.body.schemaType : "AVRO", schema };
  }

  /** `schema` against the latest version of `subject`, at the subject's compatibility level. */
  async compatibility(subject: string, schema: string, signal?: AbortSignal): Promise<Compatibility> {
    const path = `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`;
    const answer = await this.request("POST", path, { schema }, signal);
    // Confluent answers 40401 (no subject), Apicurio 40402 (no version): either way nothing to be compatible with.
    if (answer.status === 404) return { kind: "no-versions" };
    this.expectOk(answer, `POST ${path}`);
    if (answer.body.is_compatible === true) return { kind: "compatible" };
    const messages = Array.isArray(answer.body.messages) ? answer.body.messages.join("; ") : undefined;
    const reason = messages || (typeof answer.body.reason === "string" ? answer.body.reason : "") || "no reason given";
    return { kind: "incompatible", reason };
  }

  /** Registers `schema` under `subject` (the same schema again: the same id). */
  async register(subject: string, schema: string, signal?: AbortSignal): Promise<number> {
    const path = `/subjects/${encodeURIComponent(subject)}/versions`;
    const answer = await this.request("POST", path, { schema }, signal);
    if (answer.status === 409) throw new IncompatibleSchemaError(subject, registryMessage(answer));
    this.expectOk(answer, `POST ${path}`);
    return schemaIdOf(answer, path);
  }

  /** The id of `schema` if it is registered under `subject`. */
  async lookup(subject: string, schema: string, signal?: AbortSignal): Promise<number | undefined> {
    const path = `/subjects/${encodeURIComponent(subject)}`;
    const answer = await this.request("POST", path, { schema }, signal);
    if (answer.status === 404) return undefined;
    this.expectOk(answer, `POST ${path}`);
    return schemaIdOf(answer, path);
  }

  /** Every subject the registry holds (what `arbiter doctor` asks, to see it answers and lets this client in). */
  async subjects(signal?: AbortSignal): Promise<string[]> {
    const answer = await this.request("GET", "/subjects", undefined, signal);
    this.expectOk(answer, "GET /subjects");
    // The answer is a JSON array, which `request` keeps as an object with numeric keys.
    return Object.values(answer.body).filter((s): s is string => typeof s === "string");
  }

  close(): void {
    this.agent.destroy();
  }

  private expectOk(answer: Answer, what: string): void {
    if (answer.status >= 200 && answer.status < 300) return;
    if (answer.status === 401)
      throw new ConfigError(
        `${SECTION}.password`,
        `the schema registry at ${this.base} rejected the login (401) of ${this.options.username === undefined ? "an anonymous client: set schemaRegistry.username and password" : `user ${JSON.stringify(this.options.username)}`}`,
      );
    if (answer.status === 403)
      throw new ConfigError(
        `${SECTION}.username`,
        `the schema registry at ${this.base} does not let ${JSON.stringify(this.options.username ?? "an anonymous client")} ${what} (403)`,
      );
    const code = typeof answer.body.error_code === "number" ? answer.body.error_code : undefined;
    throw new SchemaRegistryRequestError(`schema registry: ${what} answered ${answer.status}: ${registryMessage(answer)}`, answer.status, code);
  }

  private request(method: "GET" | "POST", path: string, body: unknown, signal: AbortSignal | undefined): Promise<Answer> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = `${this.base}${path}`;
    return new Promise<Answer>((resolve, reject) => {
      const failed = (error: Error) => {
        if (signal?.aborted) return reject(signal.reason as Error);
        if (deadline.aborted)
          return reject(
            new SchemaRegistryUnavailableError(
              `no answer from the schema registry at ${this.base} within ${this.options.timeoutMs} ms (schemaRegistry.timeoutMs)`,
            ),
          );
        const certificate = certificateProblem(error, `${SECTION}.tls`);
        if (certificate) return reject(certificate);
        const code = "code" in error && typeof error.code === "string" ? `${error.code} ` : "";
        reject(
          Object.assign(new SchemaRegistryUnavailableError(`cannot reach the schema registry at ${this.base}: ${code}${error.message}`), { cause: error }),
        );
      };
      const request = (url.startsWith("https://") ? https : http).request(
        url,
        {
          method,
          agent: this.agent,
          signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
          headers: {
            accept: `${MEDIA_TYPE}, application/json`,
            ...(payload === undefined ? {} : { "content-type": MEDIA_TYPE, "content-length": Buffer.byteLength(payload) }),
            ...(this.authorization === undefined ? {} : { authorization: this.authorization }),
          },
        },
        (response) => {
          const limit = this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
          const chunks: Buffer[] = [];
          let size = 0;
          let refused = false;
          // A registry (or whatever answers at its address) that sends more than any schema needs: refused, not buffered.
          const tooLarge = (bytes: number | string) => {
            refused = true;
            response.destroy();
            request.destroy();
            reject(
              new SchemaRegistryRequestError(
                `the schema registry at ${this.base} answered ${method} ${path} with ${bytes} bytes, over ${limit} (schemaRegistry.maxResponseBytes)`,
                response.statusCode ?? 0,
              ),
            );
          };
          const declared = Number(response.headers["content-length"]);
          if (Number.isFinite(declared) && declared > limit) return tooLarge(declared);
          response.on("data", (chunk: Buffer) => {
            if (refused) return;
            size += chunk.length;
            if (size > limit) return tooLarge(`more than ${limit}`);
            chunks.push(chunk);
          });
          response.on("error", failed);
          response.on("end", () => {
            if (refused) return;
            const status = response.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString("utf8");
            if (status >= 500 || status === 429) {
              return reject(
                new SchemaRegistryUnavailableError(
                  `the schema registry at ${this.base} answered ${status} to ${method} ${path}: ${text.slice(0, 200)}`,
                  status,
                ),
              );
            }
            let parsed: unknown = {};
            try {
              parsed = text === "" ? {} : JSON.parse(text);
            } catch {
              parsed = { message: text.slice(0, 200) };
            }
            resolve({ status, body: typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {} });
          });
        },
      );
      // Once an answer was refused as too large, a later error changes nothing (the promise is settled).
      request.on("error", failed);
      request.end(payload);
    });
  }
}

function registryMessage(answer: Answer): string {
  const code = typeof answer.body.error_code === "number" && answer.body.error_code !== 0 ? ` (error_code ${answer.body.error_code})` : "";
  return `${typeof answer.body.message === "string" ? answer.body.message : `status ${answer.status}`}${code}`;
}

function schemaIdOf(answer: Answer, path: string): number {
  const id = answer.body.id;
  if (typeof id !== "number" || !Number.isInteger(id))
    throw new SchemaRegistryRequestError(`schema registry: POST ${path}: the answer holds no schema id`, answer.status);
  return id;
}
