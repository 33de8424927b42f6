import type { Policy } from "../policy/policy.js";
import type { PolicySet } from "../policy/policy-set.js";
import { LivePrefilter } from "../prefilter/live-prefilter.js";
import type { PrefilterOptions } from "../prefilter/prefilter-options.js";
import type { PipelinePolicy, PrefilterPort, ScreenedPost } from "./ports.js";

function toPipelinePolicy(policy: Policy): PipelinePolicy {
  return {
    id: policy.id,
    version: policy.version,
    body: policy.body,
    reasoningEffort: policy.reasoningEffort,
    escalationThreshold: policy.escalationThreshold,
    escalateRuleIds: new Set(policy.rules.filter((r) => r.escalate).map((r) => r.id)),
    ruleIds: policy.rules.map((r) => r.id),
  };
}

/** The policies in force and their prefilter, swapped as one when the policy set changes. */
export class PolicyBook implements PrefilterPort {
  private readonly live: LivePrefilter;
  private pipelinePolicies = new Map<string, PipelinePolicy>();

  constructor(set: PolicySet, options?: PrefilterOptions) {
    this.live = new LivePrefilter(set, options);
    this.index(set);
  }

  get version(): string {
    return this.live.current.version;
  }

  update(set: PolicySet): boolean {
    if (!this.live.update(set)) return false;
    this.index(set);
    return true;
  }

  screen(text: string, forumId: string): ScreenedPost {
    const prefilter = this.live.current;
    const byId = this.pipelinePolicies;
    const result = prefilter.match(text, forumId);
    return {
      policySetVersion: prefilter.version,
      policies: result.policies.map((r) => byId.get(r.policyId)!),
      toModel: new Set(result.policies.filter((r) => r.sendToModel).map((r) => r.policyId)),
      modelText: result.modelText,
      truncated: result.truncated,
      // Only posts that go to the model need it; most posts never build the string.
      cacheText: () => result.normalisedText,
    };
  }

  get policySetVersion(): string {
    return this.live.current.version;
  }

  policiesFor(forumId: string): readonly PipelinePolicy[] {
    return this.live.current.policySet.forForum(forumId).map((p) => this.pipelinePolicies.get(p.id)!);
  }

  private index(set: PolicySet): void {
    this.pipelinePolicies = new Map(set.policies.map((p) => [p.id, toPipelinePolicy(p)]));
  }
}
