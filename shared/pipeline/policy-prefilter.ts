import type { Effort } from "../policy/effort.js";
import type { Policy } from "../policy/policy.js";
import type { PolicySet } from "../policy/policy-set.js";
import { LivePrefilter } from "../prefilter/live-prefilter.js";
import type { PrefilterOptions } from "../prefilter/prefilter-options.js";
import type { PolicyPrefilterResult, PrefilterResult } from "../prefilter/prefilter-result.js";
import type { PipelinePolicy, PrefilterPort, ScreenedPost } from "./ports.js";
import type { TextSpan } from "../text/model-text.js";

/** Settings of the primary role's prefilter: the prefilter's own, and the effort of a policy that names none. */
export interface PolicyPrefilterOptions extends PrefilterOptions {
  /** The engine's `defaultEffort`: the effort of a policy whose front matter names none. */
  defaultEffort: Effort;
}

function toPipelinePolicy(policy: Policy, defaultEffort: Effort): PipelinePolicy {
  return {
    id: policy.id,
    version: policy.version,
    body: policy.body,
    reasoningEffort: policy.reasoningEffort ?? defaultEffort,
    escalationThreshold: policy.escalationThreshold,
    escalateRuleIds: new Set(policy.rules.filter((r) => r.escalate).map((r) => r.id)),
    ruleIds: policy.rules.map((r) => r.id),
    onViolate: policy.onViolate,
    page: policy.page,
  };
}

interface Routing {
  policies: readonly PipelinePolicy[];
  toModel: ReadonlySet<string>;
}

/** A screened post (a class, not a literal with a closure: this runs for every post). */
class Screened implements ScreenedPost {
  readonly policies: readonly PipelinePolicy[];
  readonly toModel: ReadonlySet<string>;
  readonly modelText: string;
  readonly truncated: boolean;

  constructor(
    readonly policySetVersion: string,
    routing: Routing,
    private readonly result: PrefilterResult,
  ) {
    this.policies = routing.policies;
    this.toModel = routing.toModel;
    this.modelText = result.modelText;
    this.truncated = result.truncated;
  }

  /** Only posts that go to the model need it; most posts never build the string. */
  cacheText(): string {
    return this.result.normalisedText;
  }

  modelHits(): TextSpan[] {
    return this.result.policies.flatMap((p) => (p.sendToModel ? p.hits.map((h) => ({ start: h.start, end: h.end })) : []));
  }
}

/** The policies in force and their prefilter, swapped as one when the policy set changes. */
export class PolicyPrefilter implements PrefilterPort {
  private readonly live: LivePrefilter;
  private pipelinePolicies = new Map<string, PipelinePolicy>();
  /** Routing of the prefilter's shared (frozen) results, by identity. */
  private routingOf = new WeakMap<readonly PolicyPrefilterResult[], Routing>();

  private readonly defaultEffort: Effort;

  constructor(set: PolicySet, options: PolicyPrefilterOptions) {
    const { defaultEffort, ...prefilterOptions } = options;
    this.defaultEffort = defaultEffort;
    this.live = new LivePrefilter(set, prefilterOptions);
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

  match(text: string, forumId: string): ScreenedPost {
    const prefilter = this.live.current;
    const result = prefilter.match(text, forumId);
    return new Screened(prefilter.version, this.routing(result.policies), result);
  }

  /**
   * The pipeline policies and the model-bound ids for a prefilter result. A post with no hit
   * gets the prefilter's shared per-forum list, so its routing is worked out once per forum.
   */
  private routing(results: readonly PolicyPrefilterResult[]): Routing {
    const known = this.routingOf.get(results);
    if (known) return known;
    const byId = this.pipelinePolicies;
    const routing: Routing = {
      policies: results.map((r) => byId.get(r.policyId)!),
      toModel: new Set(results.filter((r) => r.sendToModel).map((r) => r.policyId)),
    };
    if (Object.isFrozen(results)) this.routingOf.set(results, routing);
    return routing;
  }

  get policySetVersion(): string {
    return this.live.current.version;
  }

  policiesFor(forumId: string): readonly PipelinePolicy[] {
    return this.live.current.policySet.forForum(forumId).map((p) => this.pipelinePolicies.get(p.id)!);
  }

  private index(set: PolicySet): void {
    this.pipelinePolicies = new Map(set.policies.map((p) => [p.id, toPipelinePolicy(p, this.defaultEffort)]));
    this.routingOf = new WeakMap();
  }
}
