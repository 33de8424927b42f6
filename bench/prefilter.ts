/**
 * Prefilter speed: `Prefilter.match` (the whole decision: normalised matching, per-policy
 * decisions, hits with offsets in the original text) against one RegExp alternation of the
 * same terms (flags `gi`, terms escaped, `\b(?:…)\b`: the fastest fair form; with `u` it ran 100–700× slower),
 * over the same synthetic posts in the same run.
 *
 * Usage: npm run bench:prefilter [-- --posts 200000 --terms 5000]
 * Last line: one JSON object with the figures.
 */
import os from "node:os";
import type { Policy } from "@arbiter/shared/policy/policy.js";
import { Prefilter } from "@arbiter/shared/prefilter/prefilter.js";
import { normalise } from "@arbiter/shared/prefilter/normalise.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { seededRandom } from "../test/support/seeded-random.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const POSTS = arg("posts", 200_000);
const TERMS = arg("terms", 5_000);
const REGEXP_POSTS = arg("regexp-posts", POSTS);

const rng = seededRandom;
const rand = rng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const LETTERS = "abcdefghijklmnopqrstuvwxyz";
const word = (min: number, max: number): string => {
  const n = min + Math.floor(rand() * (max - min + 1));
  let w = "";
  for (let i = 0; i < n; i++) w += LETTERS[Math.floor(rand() * 26)];
  return w;
};

// A 20k-word vocabulary; terms are drawn from it (a third of them two words) so posts do hit.
const vocabulary = Array.from({ length: 20_000 }, () => word(2, 10));
const termSet = new Set<string>();
while (termSet.size < TERMS) {
  termSet.add(rand() < 1 / 3 ? `${pick(vocabulary)} ${pick(vocabulary)}` : word(4, 10));
}
const terms = [...termSet];
const PUNCT = [" ", " ", " ", " ", " ", ", ", ". ", "! ", "? ", "\n"];
const posts: string[] = [];
for (let i = 0; i < POSTS; i++) {
  const len = 20 + Math.floor(rand() * 381);
  let s = "";
  while (s.length < len) {
    const w = rand() < 0.001 ? pick(terms) : pick(vocabulary);
    s += (rand() < 0.1 ? w[0]?.toUpperCase() + w.slice(1) : w) + pick(PUNCT);
  }
  posts.push(s.slice(0, len));
}
const totalChars = posts.reduce((n, p) => n + p.length, 0);
const totalMB = Buffer.byteLength(posts.join(""), "utf8") / 1e6;

const policy: Policy = {
  id: "bench", title: "bench", version: "0", body: "", keywords: terms, signals: [], targets: [], regexes: [],
  typos: false, prefilter: "keywords", reasoningEffort: "low", escalationThreshold: 0.5,
  rules: [{ id: "B1", escalate: false }], forums: ["*"], source: "bench",
};

const buildStart = process.hrtime.bigint();
const prefilter = new Prefilter([policy]);
const buildMs = Number(process.hrtime.bigint() - buildStart) / 1e6;

interface Contender {
  label: string;
  n: number;
  fn: (i: number) => boolean;
  /** Size of its n posts, UTF-8. */
  mb: number;
  s: number;
  /** CPU time of the process while it ran (user + system): less disturbed by other jobs than `s`. */
  cpu: number;
  flagged: number;
}

/**
 * Times the contenders interleaved: the posts are cut into blocks and every contender runs
 * block k before any runs block k+1 (in rotating order), so load from other jobs on a shared
 * machine falls on all of them alike rather than on whichever ran last.
 */
function race(contenders: Omit<Contender, "s" | "cpu" | "flagged">[], blocks = 20): Contender[] {
  const runs: Contender[] = contenders.map((c) => ({ ...c, s: 0, cpu: 0, flagged: 0 }));
  // Warm-up on a slice, so the JIT has compiled the hot path before the clock starts.
  for (const c of runs) for (let r = 0; r < 3; r++) for (let i = 0; i < Math.min(c.n, 20_000); i++) c.fn(i);
  for (let b = 0; b < blocks; b++) {
    for (let k = 0; k < runs.length; k++) {
      const c = runs[(b + k) % runs.length] as Contender;
      const from = Math.floor((b * c.n) / blocks);
      const to = Math.floor(((b + 1) * c.n) / blocks);
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      let flagged = 0;
      for (let i = from; i < to; i++) if (c.fn(i)) flagged++;
      c.s += Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      c.cpu += (cpu.user + cpu.system) / 1e6;
      c.flagged += flagged;
    }
  }
  for (const c of runs) {
    console.log(`${c.label.padEnd(34)} ${c.n} posts in ${c.s.toFixed(2)} s: ${Math.round(c.n / c.s)} posts/s, ${(c.mb / c.s).toFixed(1)} MB/s, ${c.flagged} flagged (CPU ${c.cpu.toFixed(2)} s: ${Math.round(c.n / c.cpu)} posts/s)`);
  }
  return runs;
}

console.log(`machine: ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores), node ${process.version}, load average ${os.loadavg()[0]?.toFixed(1)}`);
console.log(`${POSTS} posts, ${totalChars} chars (${totalMB.toFixed(1)} MB), ${TERMS} terms -> ${prefilter.patternCount} patterns, built in ${buildMs.toFixed(0)} ms`);

const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
const re = new RegExp(`\\b(?:${escaped.join("|")})\\b`, "gi");
// The worker's hot path: the default pack (config/policies) on short posts, most with no hit.
const pack = new Prefilter(await loadPolicySet(new URL("../config/policies", import.meta.url).pathname));
const shortPosts = posts.map((p) => p.slice(0, 80));
const [norm, pf, rx, packShort] = race([
  { label: "normalise only", n: POSTS, mb: totalMB, fn: (i) => normalise(posts[i] as string).text.length < 0 },
  { label: "prefilter (Prefilter.match)", n: POSTS, mb: totalMB, fn: (i) => prefilter.match(posts[i] as string).anySendToModel },
  {
    label: "RegExp \\b(?:…)\\b gi, test()",
    n: REGEXP_POSTS,
    mb: (totalMB * REGEXP_POSTS) / POSTS,
    fn: (i) => {
      re.lastIndex = 0; // the g flag makes test() stateful
      return re.test(posts[i] as string);
    },
  },
  { label: "default pack, posts cut to 80 chars", n: POSTS, mb: Buffer.byteLength(shortPosts.join(""), "utf8") / 1e6, fn: (i) => pack.match(shortPosts[i] as string, "general").anySendToModel },
]) as [Contender, Contender, Contender, Contender];

const postsPerS = POSTS / pf.s;
const regexpPostsPerS = REGEXP_POSTS / rx.s;
const result = {
  bench: "prefilter",
  posts: POSTS,
  terms: TERMS,
  patterns: prefilter.patternCount,
  build_ms: Math.round(buildMs),
  posts_per_s: Math.round(postsPerS),
  mb_per_s: Number((totalMB / pf.s).toFixed(2)),
  normalise_posts_per_s: Math.round(POSTS / norm.s),
  regexp_posts_per_s: Math.round(regexpPostsPerS),
  regexp_mb_per_s: Number(((totalMB * REGEXP_POSTS) / POSTS / rx.s).toFixed(2)),
  vs_regexp: Number((postsPerS / regexpPostsPerS).toFixed(1)),
  posts_per_cpu_s: Math.round(POSTS / pf.cpu),
  regexp_posts_per_cpu_s: Math.round(REGEXP_POSTS / rx.cpu),
  vs_regexp_cpu: Number((POSTS / pf.cpu / (REGEXP_POSTS / rx.cpu)).toFixed(1)),
  flagged: pf.flagged,
  pack_short_us_per_post: Number(((packShort.s / packShort.n) * 1e6).toFixed(2)),
  regexp_flagged: REGEXP_POSTS === POSTS ? rx.flagged : undefined,
  load_average: Number(os.loadavg()[0]?.toFixed(2)),
  node: process.version,
  cpu: os.cpus()[0]?.model,
};
console.log(JSON.stringify(result));
