import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { IncompatibleSchemaError } from "@arbiter/shared/codec/errors/incompatible-schema-error.js";
import { SchemaRegistryRequestError } from "@arbiter/shared/codec/errors/schema-registry-request-error.js";
import { SchemaRegistryUnavailableError } from "@arbiter/shared/codec/errors/schema-registry-unavailable-error.js";
import { SchemaNotFoundError } from "@arbiter/shared/codec/errors/schema-not-found-error.js";
import { SchemaRegistryClient } from "@arbiter/shared/codec/schema-registry-client.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { makeTestCertificates, type TestCertificates } from "../../support/tls-certs.js";

type Handler = (request: IncomingMessage & { body: string }, response: ServerResponse) => void;

/** A fake registry: answers each request with `handler` (the real one is in the integration tests). */
async function fakeRegistry(
  handler: Handler,
  tls?: { cert: string; key: string },
): Promise<{ url: string; server: Server; requests: Array<{ method: string; url: string; body: string; auth?: string }> }> {
  const requests: Array<{ method: string; url: string; body: string; auth?: string }> = [];
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      requests.push({ method: request.method!, url: request.url!, body, ...(request.headers.authorization ? { auth: request.headers.authorization } : {}) });
      handler(Object.assign(request, { body }), response);
    });
  };
  const server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `${tls ? "https" : "http"}://127.0.0.1:${port}/apis/ccompat/v7/`, server, requests };
}

const json = (response: ServerResponse, status: number, body: unknown) =>
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
const servers: Server[] = [];
const clients: SchemaRegistryClient[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function clientFor(handler: Handler, options: Partial<ConstructorParameters<typeof SchemaRegistryClient>[0]> = {}) {
  const fake = await fakeRegistry(handler);
  servers.push(fake.server);
  const client = new SchemaRegistryClient({ url: fake.url, timeoutMs: 1000, ...options });
  clients.push(client);
  return { client, requests: fake.requests };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

test("fetches a schema by id (an Avro one carries no schemaType) from the base URL, with basic auth", async () => {
  const { client, requests } = await clientFor((_req, res) => json(res, 200, { schema: '{"type":"string"}' }), { username: "arbiter", password: "s3cret" });
  expect(await client.schemaById(12)).toEqual({ id: 12, schemaType: "AVRO", schema: '{"type":"string"}' });
  expect(requests).toEqual([
    { method: "GET", url: "/apis/ccompat/v7/schemas/ids/12", body: "", auth: `Basic ${Buffer.from("arbiter:s3cret").toString("base64")}` },
  ]);
});

test("each kind of failure is its own error: 404, 5xx/429 and no answer (retriable), 401/403 naming the setting, other 4xx", async () => {
  const statuses: Record<string, number> = {
    "/apis/ccompat/v7/schemas/ids/1": 404,
    "/apis/ccompat/v7/schemas/ids/2": 503,
    "/apis/ccompat/v7/schemas/ids/3": 429,
    "/apis/ccompat/v7/schemas/ids/4": 401,
    "/apis/ccompat/v7/schemas/ids/5": 403,
    "/apis/ccompat/v7/schemas/ids/6": 400,
  };
  const { client } = await clientFor((req, res) => json(res, statuses[req.url!] ?? 500, { error_code: 40403, message: "Schema not found" }), {
    username: "arbiter",
    password: "p",
  });
  const notFound = await rejection(client.schemaById(1));
  expect(notFound).toBeInstanceOf(SchemaNotFoundError);
  expect(notFound.message).toMatch(/no schema with id 1 \(Schema not found \(error_code 40403\)\)/);
  for (const id of [2, 3]) {
    const down = await rejection(client.schemaById(id));
    expect(down).toBeInstanceOf(SchemaRegistryUnavailableError);
    expect((down as SchemaRegistryUnavailableError).retriable).toBe(true);
  }
  expect(((await rejection(client.schemaById(4))) as ConfigError).field).toBe("schemaRegistry.password");
  expect(((await rejection(client.schemaById(5))) as ConfigError).field).toBe("schemaRegistry.username");
  const bad = await rejection(client.schemaById(6));
  expect(bad).toBeInstanceOf(SchemaRegistryRequestError);
  expect((bad as SchemaRegistryRequestError).retriable).toBe(false);
  expect(bad.message).not.toMatch(/"p"|:p\b/);
});

test("a refused connection and a registry that stops answering mid-body are outages, not bad requests", async () => {
  const refused = new SchemaRegistryClient({ url: "http://127.0.0.1:9/", timeoutMs: 1000 });
  clients.push(refused);
  const error = await rejection(refused.schemaById(1));
  expect(error).toBeInstanceOf(SchemaRegistryUnavailableError);
  expect(error.message).toMatch(/cannot reach the schema registry at http:\/\/127\.0\.0\.1:9: ECONNREFUSED/);
  const { client } = await clientFor(
    (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"schema":');
    },
    { timeoutMs: 300 },
  );
  const hung = await rejection(client.schemaById(1));
  expect(hung).toBeInstanceOf(SchemaRegistryUnavailableError);
  expect(hung.message).toMatch(/within 300 ms \(schemaRegistry\.timeoutMs\)/);
});

test("the caller's signal cancels a request with its own reason", async () => {
  const { client } = await clientFor(() => undefined, { timeoutMs: 10_000 });
  const controller = new AbortController();
  const pending = client.schemaById(1, controller.signal);
  controller.abort(new Error("partition revoked"));
  expect((await rejection(pending)).message).toBe("partition revoked");
});

test("compatibility: no versions yet (404), compatible, incompatible with the registry's reasons; register and lookup", async () => {
  const { client, requests } = await clientFor((req, res) => {
    if (req.url!.startsWith("/apis/ccompat/v7/compatibility/subjects/new-value/")) return json(res, 404, { error_code: 40402, message: "No version 'latest'" });
    if (req.url!.startsWith("/apis/ccompat/v7/compatibility/subjects/ok-value/")) return json(res, 200, { is_compatible: true });
    if (req.url!.startsWith("/apis/ccompat/v7/compatibility/")) return json(res, 200, { is_compatible: false, messages: ["reader field b has no default"] });
    if (req.url === "/apis/ccompat/v7/subjects/ok-value/versions") return json(res, 200, { id: 21 });
    if (req.url === "/apis/ccompat/v7/subjects/bad-value/versions")
      return json(res, 409, { error_code: 409, message: "Schema being registered is incompatible" });
    if (req.url === "/apis/ccompat/v7/subjects/ok-value") return json(res, 200, { id: 21, version: 1, subject: "ok-value" });
    return json(res, 404, { error_code: 40401, message: "Subject not found" });
  });
  expect(await client.compatibility("new-value", "{}")).toEqual({ kind: "no-versions" });
  expect(await client.compatibility("ok-value", "{}")).toEqual({ kind: "compatible" });
  expect(await client.compatibility("bad-value", "{}")).toEqual({ kind: "incompatible", reason: "reader field b has no default" });
  expect(await client.register("ok-value", '{"type":"string"}')).toBe(21);
  const refused = await rejection(client.register("bad-value", "{}"));
  expect(refused).toBeInstanceOf(IncompatibleSchemaError);
  expect(refused.message).toMatch(/subject "bad-value"/);
  expect(await client.lookup("ok-value", "{}")).toBe(21);
  expect(await client.lookup("missing-value", "{}")).toBeUndefined();
  expect(requests.find((r) => r.url === "/apis/ccompat/v7/subjects/ok-value/versions")?.body).toBe(JSON.stringify({ schema: '{"type":"string"}' }));
  expect(requests[0]!.url).toBe("/apis/ccompat/v7/compatibility/subjects/new-value/versions/latest?verbose=true");
});

describe("over TLS", () => {
  let certs: TestCertificates;
  beforeAll(async () => {
    certs = await makeTestCertificates();
  });
  afterAll(() => certs.remove());

  async function tlsRegistry() {
    const fake = await fakeRegistry((_req, res) => json(res, 200, { schema: '"string"' }), {
      cert: certs.read(certs.serverCert),
      key: certs.read(certs.serverKey),
    });
    servers.push(fake.server);
    return fake.url;
  }

  test("the client of the settings trusts schemaRegistry.tls.ca and reads its password from the environment", async () => {
    const url = await tlsRegistry();
    const config = loadConfig({ schemaRegistry: { url, username: "arbiter", password: { env: "REGISTRY_PASSWORD" }, tls: { ca: certs.ca } } }, {});
    process.env.REGISTRY_PASSWORD = "from-env";
    try {
      const client = SchemaRegistryClient.fromSettings(config.schemaRegistry);
      clients.push(client);
      expect((await client.schemaById(3)).schema).toBe('"string"');
    } finally {
      delete process.env.REGISTRY_PASSWORD;
    }
  });

  test("a certificate no trusted CA signed names schemaRegistry.tls.ca", async () => {
    const url = await tlsRegistry();
    const client = SchemaRegistryClient.fromSettings(loadConfig({ schemaRegistry: { url, tls: { ca: certs.otherCa } } }, {}).schemaRegistry);
    clients.push(client);
    const error = await rejection(client.schemaById(3));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe("schemaRegistry.tls.ca");
  });

  test("an unset password variable names schemaRegistry.password when the client is made", () => {
    const settings = loadConfig(
      { schemaRegistry: { url: "https://registry:8081", username: "arbiter", password: { env: "UNSET_REGISTRY_PASSWORD" } } },
      {},
    ).schemaRegistry;
    expect(() => SchemaRegistryClient.fromSettings(settings)).toThrow(/schemaRegistry\.password: environment variable UNSET_REGISTRY_PASSWORD is not set/);
  });
});

test("an answer over maxResponseBytes is refused (not retried as an outage), whether it says its length or not", async () => {
  const big = JSON.stringify({ schema: "x".repeat(5000) });
  const { client } = await clientFor(
    (request, response) => {
      if (request.url!.endsWith("/1")) return json(response, 200, JSON.parse(big));
      response.writeHead(200, { "content-type": "application/json" });
      // No content-length: the body streams past the limit.
      response.write(big.slice(0, 3000));
      setTimeout(() => response.end(big.slice(3000)), 20);
    },
    { maxResponseBytes: 2048 },
  );
  for (const id of [1, 2]) {
    const error = await rejection(client.schemaById(id));
    expect(error).toBeInstanceOf(SchemaRegistryRequestError);
    expect(error.message).toMatch(/over 2048 \(schemaRegistry\.maxResponseBytes\)/);
  }
  const small = await clientFor((_, response) => json(response, 200, { schema: "{}" }), { maxResponseBytes: 2048 });
  expect(await small.client.schemaById(3)).toMatchObject({ schema: "{}" });
});
