import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request a listing fake received. */
export interface ListingRequest {
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

/** The HTTP side the listing fakes share: one node:http server, every request kept, a scripted status for the next requests. */
export abstract class ListingServer {
  readonly requests: ListingRequest[] = [];
  private server: Server | undefined;
  /** Statuses answered instead of a listing, first to last (e.g. 503, 429). */
  readonly failNext: number[] = [];
  url = "";

  protected abstract route(path: string, query: URLSearchParams): unknown;

  /** A status that refuses the request for its credentials (null: let it through). */
  protected deny(authorization: string | undefined): number | null {
    void authorization;
    return null;
  }

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? "/", "http://fake");
      this.requests.push({ path: url.pathname, query: url.searchParams, authorization: req.headers.authorization });
      const fail = this.deny(req.headers.authorization) ?? this.failNext.shift();
      if (fail !== undefined) {
        res.writeHead(fail, { "content-type": "application/json" }).end('{"error":"scripted"}');
        return;
      }
      const body = this.route(url.pathname, url.searchParams);
      if (body === undefined) res.writeHead(404, { "content-type": "application/json" }).end('{"error":"couldnt_find_object"}');
      else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
