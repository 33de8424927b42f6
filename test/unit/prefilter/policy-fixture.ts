import type { Policy } from "@arbiter/shared/policy/index.js";

/** A minimal policy for prefilter tests; override what a test is about. */
export function testPolicy(overrides: Partial<Policy> & { id: string }): Policy {
  return {
    title: overrides.id,
    version: `v-${overrides.id}`,
    body: "",
    keywords: [],
    signals: [],
    targets: [],
    regexes: [],
    typos: false,
    prefilter: "keywords",
    reasoningEffort: "low",
    escalationThreshold: 0.5,
    rules: [{ id: "R1", escalate: false }],
    onViolate: "hide",
    page: false,
    forums: ["*"],
    source: `${overrides.id}.md`,
    ...overrides,
  };
}
