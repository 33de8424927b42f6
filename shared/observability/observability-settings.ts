import { z } from "zod";
import { nonBlank } from "../settings/fields.js";

// The http (health and metrics server) and log sections.

export const httpSchema = z
  .strictObject({
    port: z
      .int()
      .min(0)
      .max(65_535)
      .describe("Port of `/healthz`, `/readyz` (and `/metrics` unless `metricsPort` is set; 0: an ephemeral port).")
      .default(9464),
    metricsPort: z
      .int()
      .min(0)
      .max(65_535)
      .optional()
      .describe(
        "Port of `/metrics` alone, so a NetworkPolicy can open it to Prometheus only (0: an ephemeral port); unset: `/metrics` is served on `port` with the probes.",
      ),
    host: nonBlank().describe("Address the HTTP server listens on.").default("127.0.0.1"),
  })
  .prefault({});

export const logSchema = z
  .strictObject({
    level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).describe("Log level.").default("info"),
    includePostText: z
      .boolean()
      .describe("Put post text and the model's reasoning into logs (debugging only); credentials stay out regardless.")
      .default(false),
  })
  .prefault({});

export type HttpSettings = z.output<typeof httpSchema>;
export type LogSettings = z.output<typeof logSchema>;
