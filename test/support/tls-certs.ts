import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Certificates made for one test run, as files in a temp dir of its own. */
export interface TestCertificates {
  readonly dir: string;
  /** The CA that signed the server and client certificates (PEM). */
  readonly ca: string;
  /** Another CA, which signed nothing here: a client trusting only it must refuse the server. */
  readonly otherCa: string;
  /** The server's certificate (SAN IP:127.0.0.1, DNS:localhost) and key (PEM). */
  readonly serverCert: string;
  readonly serverKey: string;
  /** A client certificate and key for mutual TLS (PEM). */
  readonly clientCert: string;
  readonly clientKey: string;
  /** The server's key and chain as PKCS12, for a Java keystore (Kafka), and its password. */
  readonly serverKeystore: string;
  readonly keystorePassword: string;
  /** PEM text of a file. */
  read(file: string): string;
  remove(): void;
}

const openssl = (dir: string, args: string[]) => run("openssl", args, { cwd: dir });
// P-256 keys: made in milliseconds, and both Java 17 and Redis's OpenSSL take them.
const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    "req",
    "-x509",
    ...newKey,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=arbiter test ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

async function makeLeaf(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  await openssl(dir, ["req", ...newKey, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
}

/** A CA, a server certificate for 127.0.0.1/localhost, a client certificate and a second, unrelated CA (openssl). */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = mkdtempSync(path.join(tmpdir(), "arbiter-tls-"));
  await makeCa(dir, "ca");
  await makeCa(dir, "other-ca");
  await makeLeaf(dir, "server", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
  await makeLeaf(dir, "client", "/CN=arbiter-client", "extendedKeyUsage=clientAuth\n");
  const keystorePassword = randomBytes(12).toString("hex");
  await openssl(dir, [
    "pkcs12",
    "-export",
    "-in",
    "server.pem",
    "-inkey",
    "server.key",
    "-certfile",
    "ca.pem",
    "-name",
    "server",
    "-out",
    "server.p12",
    "-passout",
    `pass:${keystorePassword}`,
  ]);
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    ca: file("ca.pem"),
    otherCa: file("other-ca.pem"),
    serverCert: file("server.pem"),
    serverKey: file("server.key"),
    clientCert: file("client.pem"),
    clientKey: file("client.key"),
    serverKeystore: file("server.p12"),
    keystorePassword,
    read: (f) => readFileSync(f, "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
