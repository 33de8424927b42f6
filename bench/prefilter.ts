/**
 * Prefilter speed: normalise + match of the Aho–Corasick prefilter against one RegExp
 * alternation of the same terms (flags `gi`, terms escaped, `\b(?:…)\b`: the fastest fair
 * form, see FACTS.md), over the same synthetic posts in the same run.
 *
 * Usage: npm run bench:prefilter [-- --posts 200000 --terms 5000]
 * Last line: one JSON object with the figures.
 */
import os from "node:os";
import type { Policy } from "../shared/policy/policy.js";
import { Prefilter } from "../shared/prefilter/prefilter.js";
import { normalise } from "../shared/prefilter/normalise.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const POSTS = arg("posts", 200_000);
const TERMS = arg("terms", 5_000);
const REGEXP_POSTS = arg("regexp-posts", POSTS);

/** Deterministic PRNG (mulberry32), so every run measures the same posts. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
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

function time(label: string, n: number, fn: (i: number) => boolean): { s: number; flagged: number } {
  // Warm-up on a slice, so the JIT has compiled the hot path before the clock starts.
  for (let r = 0; r < 3; r++) for (let i = 0; i < Math.min(n, 20_000); i++) fn(i);
  let flagged = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (fn(i)) flagged++;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${label.padEnd(34)} ${n} posts in ${s.toFixed(2)} s: ${Math.round(n / s)} posts/s, ${((totalMB * n) / POSTS / s).toFixed(1)} MB/s, ${flagged} flagged`);
  return { s, flagged };
}

console.log(`machine: ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores), node ${process.version}`);
console.log(`${POSTS} posts, ${totalChars} chars (${totalMB.toFixed(1)} MB), ${TERMS} terms -> ${prefilter.patternCount} patterns, built in ${buildMs.toFixed(0)} ms`);

const norm = time("normalise only", POSTS, (i) => normalise(posts[i] as string).text.length < 0);
const pf = time("prefilter (normalise + match)", POSTS, (i) => prefilter.match(posts[i] as string).anySendToModel);

const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
const re = new RegExp(`\\b(?:${escaped.join("|")})\\b`, "gi");
const rx = time("RegExp \\b(?:…)\\b gi, test()", REGEXP_POSTS, (i) => {
  re.lastIndex = 0; // the g flag makes test() stateful
  return re.test(posts[i] as string);
});

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
  flagged: pf.flagged,
  regexp_flagged: REGEXP_POSTS === POSTS ? rx.flagged : undefined,
  node: process.version,
  cpu: os.cpus()[0]?.model,
};
console.log(JSON.stringify(result));
