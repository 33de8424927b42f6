import type { ArbiterConfig } from "../config/arbiter-config.js";
import { loadConfig } from "../config/load-config.js";
import { createLogger, type Logger } from "../observability/logger.js";

/** A started worker as its process sees it. */
export interface WorkerHandle {
  /** Drains in-flight work, commits, disconnects; resolves when everything is closed. */
  stop(): Promise<void>;
  /** Resolves with an exit code when the worker ends on its own (a fatal consumer crash). */
  readonly ended: Promise<number>;
}

/** A repeat of the first signal within this long is the same request delivered twice. */
const REPEAT_WINDOW_MS = 1_000;

/**
 * A worker's whole process: config, logger, start; SIGTERM/SIGINT drain and exit 0, and the
 * same signal again (a second Ctrl-C, a second or more later) exits at once with 1; a worker
 * that ends on its own exits with its code for the supervisor to restart it.
 */
export async function runWorkerProcess(name: string, start: (config: ArbiterConfig, logger: Logger) => Promise<WorkerHandle>): Promise<never> {
  const config = loadConfig();
  const logger = createLogger(name, config.log);
  try {
    const worker = await start(config, logger);
    let first: { signal: NodeJS.Signals; at: number } | null = null;
    const shutdown = (signal: NodeJS.Signals) => {
      if (first) {
        // One Ctrl-C can arrive twice (the terminal's, and a wrapper's forward as SIGINT or SIGTERM): only a later repeat forces.
        if (signal !== first.signal || Date.now() - first.at < REPEAT_WINDOW_MS) {
          logger.info({ signal }, "already draining; the same signal again exits at once");
          return;
        }
        logger.warn({ signal }, "second signal: exiting now, without draining");
        process.exit(1);
      }
      first = { signal, at: Date.now() };
      logger.info({ signal }, "shutting down");
      // The bound: whatever still hangs after drain time plus a margin is abandoned.
      setTimeout(() => {
        logger.error("shutdown exceeded its bound");
        process.exit(1);
      }, config.shutdownTimeoutMs + 10_000).unref();
      worker.stop().then(
        () => process.exit(0),
        (error: Error) => {
          logger.error({ err: error.message }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
    const code = await worker.ended;
    logger.error({ code }, "worker ended; exiting for the supervisor to restart it");
    await worker.stop().catch(() => undefined);
    process.exit(code);
  } catch (error) {
    logger.fatal({ err: (error as Error).message }, "worker failed to start");
    process.exit(1);
  }
}
