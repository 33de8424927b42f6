import { randomBytes } from "node:crypto";

/**
 * Names that one test owns alone: its topics, consumer groups, transactional ids and Redis key
 * prefix all carry a random suffix, so tests never read each other's records or keys.
 */
export interface TestNamespace {
  readonly id: string;
  topic(name: string): string;
  group(name: string): string;
  transactionalId(name: string): string;
  readonly redisPrefix: string;
}

export function testNamespace(testName: string): TestNamespace {
  const slug = testName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40);
  const id = `${slug}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  return {
    id,
    topic: (name) => `t.${id}.${name}`,
    group: (name) => `g.${id}.${name}`,
    transactionalId: (name) => `tx.${id}.${name}`,
    redisPrefix: `test:${id}:`,
  };
}
