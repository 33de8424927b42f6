import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A request the fake forum received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  at: number;
}

/** A scripted answer for the next request matching `path`. */
interface ScriptedAnswer {
  path: RegExp;
  status: number;
  /** Answer this late (past the client's timeout: a timeout). */
  delayMs: number;
  body: string;
}

/** What a forum call did to a post (applied once per idempotency key, as a real API that honours the header would). */
export interface AppliedCall {
  call: string;
  forumId: string;
  postId: string;
  decisionId: string;
}

/**
 * A fake of the forum API, the ticket system and the counsellor's pager over real HTTP
 * (node:http), for integration tests: `POST /forums/:forum/posts/:post/{hide,unhide,banner,unbanner}`,
 * `POST /tickets`, `POST /pages`. Answers can be scripted per path (500s, slow answers, 4xx);
 * it keeps every request and what each call did to a post.
 */
export class FakeForum {
  readonly requests: ReceivedRequest[] = [];
  readonly applied: AppliedCall[] = [];
  readonly tickets: unknown[] = [];
  readonly pages: unknown[] = [];
  private readonly script: ScriptedAnswer[] = [];
  private readonly seenKeys = new Set<string>();
  private readonly hidden = new Set<string>();
  private readonly bannered = new Set<string>();
  private server: Server | null = null;
  private port = 0;

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The URL templates of the autoHide config for this fake. */
  get forumCalls() {
    const call = (name: string) => ({ method: "POST" as const, url: `${this.baseUrl}/forums/{forumId}/posts/{postId}/${name}` });
    return { hide: call("hide"), unhide: call("unhide"), banner: call("banner"), unbanner: call("unbanner") };
  }

  /** The next `statuses.length` requests to a matching path get these statuses (then 200 again). */
  failNext(path: RegExp, statuses: number[], body = ""): void {
    for (const status of statuses) this.script.push({ path, status, delayMs: 0, body });
  }

  /** The next `count` matching requests are answered only after `delayMs`, with 200 and without effect (the client gave up). */
  stallNext(path: RegExp, count: number, delayMs: number): void {
    for (let i = 0; i < count; i++) this.script.push({ path, status: 200, delayMs, body: "" });
  }

  isHidden(postId: string): boolean {
    return this.hidden.has(postId);
  }

  isBannered(postId: string): boolean {
    return this.bannered.has(postId);
  }

  /** How many times a call took effect on a post. */
  count(call: string, postId: string): number {
    return this.applied.filter((a) => a.call === call && a.postId === postId).length;
  }

  requestsTo(path: RegExp): ReceivedRequest[] {
    return this.requests.filter((r) => path.test(r.path));
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const path = req.url ?? "/";
        const request: ReceivedRequest = { method: req.method ?? "GET", path, headers: req.headers, body: text ? JSON.parse(text) : null, at: Date.now() };
        this.requests.push(request);
        const i = this.script.findIndex((s) => s.path.test(path));
        const scripted = i >= 0 ? this.script.splice(i, 1)[0]! : undefined;
        const answer = (status: number, body: string) => {
          if (!res.destroyed) res.writeHead(status, { "content-type": "application/json" }).end(body);
        };
        if (scripted && scripted.delayMs > 0) {
          setTimeout(() => answer(scripted.status, "{}"), scripted.delayMs).unref();
          return;
        }
        if (scripted && scripted.status !== 200) return answer(scripted.status, scripted.body || JSON.stringify({ error: `scripted ${scripted.status}` }));
        this.take(request);
        answer(200, "{}");
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  /** Applies a successful request: once per idempotency key. */
  private take(request: ReceivedRequest): void {
    if (request.path === "/tickets") return void this.tickets.push(request.body);
    if (request.path === "/pages") return void this.pages.push(request.body);
    const match = /^\/forums\/([^/]+)\/posts\/([^/]+)\/(hide|unhide|banner|unbanner)$/.exec(request.path);
    if (!match) return;
    const key = request.headers["idempotency-key"];
    if (typeof key === "string") {
      if (this.seenKeys.has(key)) return;
      this.seenKeys.add(key);
    }
    const [, forumId, postId, call] = match.map((m) => decodeURIComponent(m));
    this.applied.push({
      call: call!,
      forumId: forumId!,
      postId: postId!,
      decisionId: String((request.body as { decisionId?: string } | null)?.decisionId ?? ""),
    });
    if (call === "hide") this.hidden.add(postId!);
    if (call === "unhide") this.hidden.delete(postId!);
    if (call === "banner") this.bannered.add(postId!);
    if (call === "unbanner") this.bannered.delete(postId!);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
