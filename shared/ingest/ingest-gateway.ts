import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { assertNever } from "../errors/assert-never.js";
import type { Logger } from "../observability/logger.js";
import type { Post } from "../codec/records.js";
import { mapDiscourse } from "./discourse-payload.js";
import { mapGeneric } from "./generic-payload.js";
import { IngestRejection, ProduceUnavailableError } from "./ingest-errors.js";
import type { IngestEvent, IngestItem } from "./ingest-item.js";
import type { IngestMetrics } from "./ingest-metrics.js";
import type { IngestSource } from "./ingest-settings.js";
import { verifySignature } from "./signature.js";
import { TokenBucket } from "./token-bucket.js";

/** Where accepted posts and events go: the idempotent producer, or a test's recorder. */
export interface IngestSink {
  sendPosts(posts: readonly Post[]): Promise<void>;
  sendEvent(event: IngestEvent): Promise<void>;
}

/** A source with its secret read: what the gateway needs to take its requests. */
export interface GatewaySource {
  name: string;
  kind: IngestSource["kind"];
  forumId: string;
  secret: string;
  rateLimit: IngestSource["rateLimit"];
}

export interface GatewayOptions {
  sources: readonly GatewaySource[];
  sink: IngestSink;
  maxBodyBytes: number;
  retryAfterSeconds: number;
  metrics: IngestMetrics;
  logger: Logger;
  now?: () => number;
}

/** The header each kind of source signs its body in. */
const SIGNATURE_HEADER: Record<IngestSource["kind"], string> = {
  discourse: "x-discourse-event-signature",
  generic: "x-arbiter-signature",
};

const PATH = /^\/webhooks\/([A-Za-z0-9._-]{1,64})$/;

type Outcome = "accepted" | "ignored" | "rejected" | "unauthorized" | "rate-limited" | "unavailable" | "too-large" | "not-found" | "error";

/** Reads the body up to `max` bytes; null when it is longer (the rest is not kept). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > max) {
      req.resume();
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

/**
 * The webhook side of the ingest gateway: `POST /webhooks/<source>`. Each request is checked in
 * this order, and the first failure answers: a known source (404), JSON (415), the body's size
 * (413), the signature over the raw bytes (401), the source's rate limit (429 + Retry-After;
 * after the signature, so unsigned noise spends no source's tokens), the payload (400/422 naming
 * the field). Then the post (or the deletion event) is produced, and only its acknowledgement
 * answers 202; Kafka away answers 503 + Retry-After and nothing is kept: the forum sends again.
 */
export class IngestGateway {
  private readonly sources = new Map<string, GatewaySource & { bucket: TokenBucket }>();
  private readonly now: () => number;

  constructor(private readonly options: GatewayOptions) {
    this.now = options.now ?? Date.now;
    for (const source of options.sources)
      this.sources.set(source.name, { ...source, bucket: new TokenBucket(source.rateLimit.perSecond, source.rateLimit.burst, this.now) });
  }

  /** Starts the HTTP server on host:port; resolves with it once it listens. */
  async listen(host: string, port: number): Promise<{ server: Server; port: number; close(): Promise<void> }> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    return {
      server,
      port: (server.address() as AddressInfo).port,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = PATH.exec((req.url ?? "/").split("?")[0]!);
    const source = match ? this.sources.get(match[1]!) : undefined;
    const label = source?.name ?? "unknown";
    const answer = (status: number, outcome: Outcome, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      this.options.metrics.requests.inc({ source: label, outcome });
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(`${JSON.stringify(body)}\n`);
    };
    const reject = (error: IngestRejection, outcome: Outcome = "rejected") => {
      this.options.metrics.rejected.inc({ source: label, reason: error.code });
      answer(error.status, outcome, { status: "rejected", code: error.code, reason: error.message });
    };
    try {
      if (!source) {
        req.resume();
        return reject(new IngestRejection(404, "UNKNOWN_SOURCE", "no source is served at this path (POST /webhooks/<source>)"), "not-found");
      }
      if (req.method !== "POST") {
        req.resume();
        return reject(new IngestRejection(405, "METHOD", `method ${req.method ?? ""} is not POST`));
      }
      const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      if (type !== "application/json") {
        req.resume();
        return reject(new IngestRejection(415, "CONTENT_TYPE", `header "Content-Type" must be application/json, got ${JSON.stringify(type.slice(0, 64))}`));
      }
      const body = await readBody(req, this.options.maxBodyBytes);
      if (body === null) {
        res.setHeader("connection", "close");
        return reject(new IngestRejection(413, "TOO_LARGE", `body is longer than ingest.maxBodyBytes (${this.options.maxBodyBytes})`), "too-large");
      }
      const headerName = SIGNATURE_HEADER[source.kind];
      const check = verifySignature(source.secret, body, req.headers[headerName]);
      if (check !== "ok")
        return reject(new IngestRejection(401, `SIGNATURE_${check.toUpperCase()}`, `header "${headerName}" ${SIGNATURE_PROBLEM[check]}`), "unauthorized");
      const wait = source.bucket.take();
      if (wait > 0) {
        return answer(429, "rate-limited", { status: "rate-limited", reason: `source ${source.name} is over its rate limit` }, { "retry-after": String(wait) });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        return reject(new IngestRejection(400, "NOT_JSON", "body is not JSON"));
      }
      const item = this.map(source, req, parsed);
      await this.produce(source.name, item);
      const id = item.kind === "post" ? item.post.id : item.kind === "event" ? item.event.postId : null;
      return answer(202, item.kind === "ignored" ? "ignored" : "accepted", {
        status: item.kind === "ignored" ? "ignored" : "accepted",
        ...(id !== null ? { id } : {}),
        ...(item.kind === "ignored" ? { reason: item.reason } : {}),
      });
    } catch (error) {
      if (error instanceof IngestRejection) return reject(error);
      if (error instanceof ProduceUnavailableError) {
        return answer(
          503,
          "unavailable",
          { status: "unavailable", reason: "Kafka is not taking records; send again" },
          { "retry-after": String(this.options.retryAfterSeconds) },
        );
      }
      this.options.logger.error({ source: label, err: (error as Error).message }, "ingest: request failed");
      if (!res.headersSent) answer(500, "error", { status: "error", reason: "internal error" });
    }
  }

  private map(source: GatewaySource, req: IncomingMessage, body: unknown): IngestItem {
    const now = this.now();
    switch (source.kind) {
      case "discourse":
        return mapDiscourse(req.headers, body, source, now);
      case "generic":
        return mapGeneric(body, source, now);
      default:
        return assertNever(source.kind);
    }
  }

  private async produce(source: string, item: IngestItem): Promise<void> {
    switch (item.kind) {
      case "post":
        await this.options.sink.sendPosts([item.post]);
        this.options.metrics.produced.inc({ source, kind: item.edit ? "edit" : "post" });
        return;
      case "event":
        await this.options.sink.sendEvent(item.event);
        this.options.metrics.produced.inc({ source, kind: "event" });
        return;
      case "ignored":
        return;
      default:
        assertNever(item);
    }
  }
}

const SIGNATURE_PROBLEM: Record<Exclude<ReturnType<typeof verifySignature>, "ok">, string> = {
  missing: "is missing",
  malformed: 'is not "sha256=" and 64 hex digits',
  mismatch: "does not match the body (wrong secret, or the body was changed)",
};
