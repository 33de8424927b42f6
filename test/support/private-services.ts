import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./env.js";

const run = promisify(execFile);

/** A SASL_SSL listener: the broker's PKCS12 keystore, the CA it trusts, and its users (name → password). */
export interface KafkaSaslSsl {
  keystore: string;
  keystorePassword: string;
  truststore: string;
  users: Record<string, string>;
}

/**
 * A Kafka broker of a test's own (its own ports and data dir, started by scripts/kafka.sh), for
 * tests that stop and restart the broker without disturbing the shared one, or that need a
 * SASL_SSL listener (`saslSsl`) instead of PLAINTEXT.
 */
export class PrivateKafka {
  readonly dataDir = mkdtempSync(path.join(tmpdir(), "arbiter-kafka-"));
  constructor(
    readonly port: number,
    readonly controllerPort: number,
    private readonly saslSsl?: KafkaSaslSsl,
  ) {}
  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }
  private env() {
    const security = this.saslSsl && {
      KAFKA_SECURITY: "sasl_ssl",
      KAFKA_SSL_KEYSTORE: this.saslSsl.keystore,
      KAFKA_SSL_KEYSTORE_PASSWORD: this.saslSsl.keystorePassword,
      KAFKA_SSL_TRUSTSTORE: this.saslSsl.truststore,
      KAFKA_SASL_USERS: Object.entries(this.saslSsl.users)
        .map(([user, password]) => `${user}:${password}`)
        .join(","),
    };
    return {
      ...process.env,
      KAFKA_PORT: String(this.port),
      KAFKA_CONTROLLER_PORT: String(this.controllerPort),
      KAFKA_DATA_DIR: this.dataDir,
      KAFKA_HEAP_OPTS: "-Xms128m -Xmx512m",
      ...security,
    };
  }
  async start(): Promise<void> {
    await run("bash", [path.join(repoRoot, "scripts/kafka.sh"), "start"], { env: this.env(), timeout: 180_000 });
  }
  async stop(): Promise<void> {
    await run("bash", [path.join(repoRoot, "scripts/kafka.sh"), "stop"], { env: this.env(), timeout: 60_000 });
  }
}

/**
 * A Schema Registry of a test's own (its own port and data dir, started by
 * scripts/schema-registry.sh), for tests that stop and restart the registry while the shared one
 * keeps running. Its schemas outlive a restart (they are in its data dir), as a real registry's do.
 */
export class PrivateSchemaRegistry {
  readonly dataDir = mkdtempSync(path.join(tmpdir(), "arbiter-schema-registry-"));
  constructor(readonly port: number) {}
  /** The Confluent-compatible API's base URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/apis/ccompat/v7`;
  }
  private script(command: "start" | "stop", timeout: number) {
    return run("bash", [path.join(repoRoot, "scripts/schema-registry.sh"), command], {
      env: { ...process.env, SCHEMA_REGISTRY_PORT: String(this.port), SCHEMA_REGISTRY_DATA_DIR: this.dataDir },
      timeout,
    });
  }
  async start(): Promise<void> {
    await this.script("start", 240_000);
  }
  async stop(): Promise<void> {
    await this.script("stop", 60_000);
  }
  /** Stops it and removes its data dir. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A TLS-only port (`clientCertificates`: clients must show one signed by `ca`) and ACL users (name → password). */
export interface RedisSecurity {
  tls?: { cert: string; key: string; ca: string; clientCertificates: boolean };
  users?: Record<string, string>;
}

/** A redis-server of a test's own, on its own port, that the test may kill; with `security`, TLS-only and/or behind ACL users. */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  /** The secured server's config dir (it holds the ACL passwords), removed on stop. */
  private configDir: string | null = null;
  constructor(
    readonly port: number,
    private readonly security: RedisSecurity = {},
  ) {}
  get url(): string {
    return `${this.security.tls ? "rediss" : "redis"}://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    if (this.security.tls || this.security.users) return this.startSecured();
    this.child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      try {
        await run("redis-cli", ["-p", String(this.port), "ping"]);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }
  /** From a config file (passwords stay off the command line); ready when the server says so. */
  private async startSecured(): Promise<void> {
    const { tls, users } = this.security;
    const lines = ["bind 127.0.0.1", 'save ""', "appendonly no"];
    if (tls)
      lines.push(
        "port 0",
        `tls-port ${this.port}`,
        `tls-cert-file ${tls.cert}`,
        `tls-key-file ${tls.key}`,
        `tls-ca-cert-file ${tls.ca}`,
        `tls-auth-clients ${tls.clientCertificates ? "yes" : "no"}`,
      );
    else lines.push(`port ${this.port}`);
    // Without an entry of its own, the default user is switched off: every client must log in.
    if (users)
      lines.push(
        ...(users.default === undefined ? ["user default off"] : []),
        ...Object.entries(users).map(([user, password]) => `user ${user} on >${password} ~* &* +@all`),
      );
    this.configDir = mkdtempSync(path.join(tmpdir(), "arbiter-redis-"));
    const file = path.join(this.configDir, "redis.conf");
    writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
    const child = spawn("redis-server", [file], { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    let output = "";
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server on port ${this.port} did not start: ${output}`)), 10_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server on port ${this.port} exited with ${code}: ${output}`));
      });
    });
  }
  async stop(): Promise<void> {
    const child = this.child;
    if (this.configDir) rmSync(this.configDir, { recursive: true, force: true });
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await done;
  }
}
