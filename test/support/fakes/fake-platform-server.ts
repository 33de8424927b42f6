import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A request a platform fake received. */
export interface PlatformRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** An answer: status, headers, and a JSON body (a string is sent as it is). */
export interface PlatformAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Scripted {
  method: string;
  path: RegExp;
  answer: PlatformAnswer;
}

/**
 * The node:http server under each platform fake (`*-fake.ts`): it keeps every request, answers
 * the scripted ones first (a 429, a 503) and the others through the fake's routes.
 */
export abstract class FakePlatformServer {
  readonly requests: PlatformRequest[] = [];
  private readonly script: Scripted[] = [];
  private server: Server | null = null;
  private port = 0;

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next request matching `method` and `path` gets `answer` instead of the route's (once per call). */
  answerNext(method: string, path: RegExp, answer: PlatformAnswer): void {
    this.script.push({ method, path, answer });
  }

  requestsTo(method: string, path: RegExp): PlatformRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  /** The fake's routes: the platform's answer to one request. */
  protected abstract route(request: PlatformRequest): PlatformAnswer;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://fake");
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          body = text;
        }
        const request: PlatformRequest = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers, body };
        this.requests.push(request);
        const i = this.script.findIndex((s) => s.method === request.method && s.path.test(request.path));
        const answer = i >= 0 ? this.script.splice(i, 1)[0]!.answer : this.route(request);
        const payload = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...answer.headers }).end(payload);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
