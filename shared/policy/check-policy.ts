import { parsePolicy } from "./parse-policy.js";
import type { Policy } from "./policy.js";
import { PolicyError } from "./policy-error.js";

/** The body sections every policy needs, as `## <heading>` lines (the structure gpt-oss-safeguard reads best). */
export const REQUIRED_SECTIONS = ["Instructions", "Definitions", "Violates (1)", "Safe (0)", "Examples"] as const;

/** The token range the model reads a policy best in; outside it is a warning, not an error. */
export const SWEET_SPOT_TOKENS = { min: 400, max: 600 } as const;

export interface PolicyCheckLimits {
  /** A longer body is an error. */
  maxBodyChars: number;
  /** With a token count: more is an error. */
  maxTokens: number;
}

/** What `arbiter policy validate` (and `push`) found in a policy file. */
export interface PolicyCheck {
  /** Null when the front matter does not parse. */
  policy: Policy | null;
  /** Each one alone rejects the file; `file:line: what` where the line is known. */
  errors: string[];
  warnings: string[];
  bodyChars: number;
  /** The body's token count under the model given, if one was. */
  tokens: number | null;
}

/** A `## heading` of the body, with its file line. */
interface Section {
  heading: string;
  line: number;
  /** The lines under it up to the next `#`/`##` heading, with their file lines. */
  lines: { text: string; line: number }[];
}

function sectionsOf(body: string, firstLine: number): Section[] {
  const sections: Section[] = [];
  body.split(/\r?\n/).forEach((text, i) => {
    const line = firstLine + i;
    const heading = /^##\s+(.+?)\s*#*\s*$/.exec(text);
    if (heading) sections.push({ heading: heading[1]!, line, lines: [] });
    else if (/^#\s/.test(text)) sections.push({ heading: "", line, lines: [] });
    else sections.at(-1)?.lines.push({ text, line });
  });
  return sections;
}

const sameHeading = (a: string, b: string) => a.replace(/\s+/g, " ").toLowerCase() === b.toLowerCase();

/**
 * Checks a policy file: the front matter (as the worker parses it), the required sections, the
 * rule ids (each one the front matter declares is defined in a Violates/Safe criterion, and each
 * criterion's id is declared), the body's size, and (given `tokenCount`) its token count. Pure.
 */
export function checkPolicy(text: string, source: string, limits: PolicyCheckLimits, tokenCount: ((body: string) => number) | null = null): PolicyCheck {
  let policy: Policy;
  try {
    policy = parsePolicy(text, source);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return { policy: null, errors: [error.message], warnings: [], bodyChars: 0, tokens: null };
  }
  const errors: string[] = [];
  const warnings: string[] = [];
  const at = (line: number | undefined) => `${source}${line === undefined ? "" : `:${line}`}: `;
  const lines = text.split(/\r?\n/);
  // The body starts after the closing --- (and the blank lines parsePolicy drops).
  const close = lines.findIndex((l, i) => i > 0 && l.trim() === "---");
  let bodyLine = close + 2;
  while (bodyLine - 1 < lines.length && lines[bodyLine - 1] === "" && policy.body.length > 0) bodyLine++;
  const sections = sectionsOf(policy.body, bodyLine);

  for (const required of REQUIRED_SECTIONS) {
    const found = sections.filter((s) => sameHeading(s.heading, required));
    if (found.length === 0) errors.push(`${at(undefined)}section "## ${required}" is missing`);
    else if (found.length > 1) errors.push(`${at(found[1]!.line)}section "## ${required}" appears twice (also line ${found[0]!.line})`);
  }

  const declared = new Set(policy.rules.map((r) => r.id));
  const defined = new Map<string, number>();
  for (const section of sections.filter((s) => sameHeading(s.heading, "Violates (1)") || sameHeading(s.heading, "Safe (0)"))) {
    for (const { text: l, line } of section.lines) {
      // A criterion: "- **SP2 Likely spam**: ..." (the first word in bold), or "- SP2: ..." / "- SP2 - ...".
      const criterion = /^\s*[-*]\s+\*\*([A-Za-z][A-Za-z0-9_.-]*)\b/.exec(l) ?? /^\s*[-*]\s+([A-Za-z][A-Za-z0-9_.-]*)(?::|\s+[-–—])/.exec(l);
      if (!criterion) continue;
      const id = criterion[1]!;
      if (defined.has(id)) errors.push(`${at(line)}rule ${id} is defined twice (also line ${defined.get(id)})`);
      else defined.set(id, line);
      if (!declared.has(id))
        errors.push(`${at(line)}rule ${id} is defined here but not listed in the front matter's rules (the model may only answer listed ids)`);
    }
  }
  for (const rule of policy.rules) {
    if (!defined.has(rule.id))
      errors.push(
        `${at(undefined)}rule ${rule.id} is listed in the front matter but no criterion ("- **${rule.id} …**" or "- ${rule.id}: …") under "## Violates (1)" or "## Safe (0)" defines it`,
      );
  }

  const examples = sections.find((s) => sameHeading(s.heading, "Examples"));
  if (examples) {
    const count = examples.lines.filter((l) => /^\s*[-*]\s+\S/.test(l.text)).length;
    if (count < 4 || count > 6) warnings.push(`${at(examples.line)}${count} examples; 4–6 short labelled ones work best`);
  }

  const bodyChars = policy.body.length;
  if (bodyChars > limits.maxBodyChars)
    errors.push(`${at(undefined)}the body is ${bodyChars} characters, over the limit of ${limits.maxBodyChars} (policies.maxBodyChars)`);
  let tokens: number | null = null;
  if (tokenCount) {
    tokens = tokenCount(policy.body);
    if (tokens > limits.maxTokens) errors.push(`${at(undefined)}the body is ${tokens} tokens, over the limit of ${limits.maxTokens} (policies.maxTokens)`);
    else if (tokens < SWEET_SPOT_TOKENS.min || tokens > SWEET_SPOT_TOKENS.max)
      warnings.push(`${at(undefined)}the body is ${tokens} tokens; ${SWEET_SPOT_TOKENS.min}–${SWEET_SPOT_TOKENS.max} is the sweet spot`);
  }
  return { policy, errors, warnings, bodyChars, tokens };
}
