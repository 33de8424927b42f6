// The classifier worker: `ARBITER_ROLE=primary` (posts -> decisions) or `escalation`
// (escalations -> final decisions and tickets). Settings: config/default.json and overrides
// (see README). SIGTERM/SIGINT drain in-flight work, commit and exit 0.
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { createLogger } from "@arbiter/shared/observability/logger.js";
import { startClassifierWorker } from "@arbiter/shared/pipeline/classifier-worker.js";

const config = loadConfig();
const logger = createLogger("arbiter", config.log.level);

try {
  const worker = await startClassifierWorker(config, logger);
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
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
