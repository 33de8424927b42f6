import type { Redis } from "ioredis";
import type { SweepCheckpoint, SweepOutcome } from "./sweep-run.js";

/** Two weeks: a sweep's run id names its day; a rerun comes the same day or not at all. */
const TTL_SECONDS = 14 * 86_400;

/** A sweep's checkpoint in Redis: one hash per run (`<prefix>sweep:<runId>`), a field per decision swept. */
export class RedisSweepCheckpoint implements SweepCheckpoint {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    runId: string,
  ) {
    this.key = `${keyPrefix}sweep:${runId}`;
  }

  async load(): Promise<Map<string, SweepOutcome>> {
    const all = await this.redis.hgetall(this.key);
    return new Map(Object.entries(all).map(([id, json]) => [id, JSON.parse(json) as SweepOutcome]));
  }

  async record(decisionId: string, outcome: SweepOutcome): Promise<void> {
    await this.redis.multi().hset(this.key, decisionId, JSON.stringify(outcome)).expire(this.key, TTL_SECONDS).exec();
  }
}
