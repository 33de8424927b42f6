import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./env.js";

const run = promisify(execFile);

/**
 * A Kafka broker of a test's own (its own ports and data dir, started by scripts/kafka.sh), for
 * tests that stop and restart the broker without disturbing the shared one.
 */
export class PrivateKafka {
  readonly dataDir = mkdtempSync(path.join(tmpdir(), "arbiter-kafka-"));
  constructor(
    readonly port: number,
    readonly controllerPort: number,
  ) {}
  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }
  private env() {
    return { ...process.env, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.controllerPort), KAFKA_DATA_DIR: this.dataDir, KAFKA_HEAP_OPTS: "-Xms128m -Xmx512m" };
  }
  async start(): Promise<void> {
    await run("bash", [path.join(repoRoot, "scripts/kafka.sh"), "start"], { env: this.env(), timeout: 180_000 });
  }
  async stop(): Promise<void> {
    await run("bash", [path.join(repoRoot, "scripts/kafka.sh"), "stop"], { env: this.env(), timeout: 60_000 });
  }
}

/** A redis-server of a test's own, on its own port, that the test may kill. */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
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
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await done;
  }
}
