/**
 * Prefilter speed: `Prefilter.match` (the whole decision: normalised matching, per-policy
 * decisions, hits with offsets in the original text) against the baselines a skeptic would
 * pick, over the same synthetic posts in the same run, timed the same way:
 *   - one RegExp alternation of the terms (flags `gi`, terms escaped, `\b(?:…)\b`; with `u` it
 *     ran 100–700× slower), ~50 KB of source: past V8's 20 KB limit for optimising a regex;
 *   - the same RegExp split into pieces under that limit;
 *   - the three most-used Aho–Corasick packages on npm, each behind Arbiter's normaliser, over
 *     the same compiled patterns, with the same word-boundary check applied to their hits;
 *   - a word `Set` lookup over the normalised text (n-grams for multi-word terms).
 * Then the same on non-ASCII posts (German, Spanish and Mandarin text from the MHC sets).
 * Like against like: every contender also runs on text normalised beforehand (off the clock;
 * Arbiter's side is `Matcher.match` on the normalised buffers), so the figures with and without
 * the normalisation work can be set side by side; and Arbiter and the three libraries run on
 * real text too (the held-out template posts and the spam golden set, with the default pack's
 * vocabulary). The JSON's `fair` holds Arbiter ÷ the fastest library for each set, both ways.
 *
 * Usage: npm run bench:prefilter [-- --posts 200000 --terms 5000 --nonascii-posts 50000
 *   --prenormalised-posts 50000 --real-posts 40000 --all-entries]
 * Last line: one JSON object with the figures.
 */
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { AhoCorasick as MonyoneDefault } from "@monyone/aho-corasick";
import { AhoCorasick as MonyoneFast } from "@monyone/aho-corasick/fast";
import ModernAhoCorasick from "modern-ahocorasick";
import ModernFast from "modern-ahocorasick/fast";
import { loadHateCheck, loadSpamGolden } from "@arbiter/shared/eval/labelled-sets.js";
import { templatePart } from "@arbiter/shared/eval/template-split.js";
import { Matcher } from "@arbiter/shared/prefilter/matcher.js";
import type { Policy } from "@arbiter/shared/policy/policy.js";
import { Prefilter } from "@arbiter/shared/prefilter/prefilter.js";
import { codesToString, normalise, normaliseIntoScratch, type NormaliseBuffers } from "@arbiter/shared/prefilter/normalise.js";
import { CharClass, charClassTable } from "@arbiter/shared/prefilter/char-class.js";
import { compileTerm } from "@arbiter/shared/prefilter/term.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { seededRandom } from "@arbiter/shared/stats/seeded-sample.js";
import { fixturesDir } from "../scripts/lib/test-models.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const POSTS = arg("posts", 200_000);
const TERMS = arg("terms", 5_000);
const REGEXP_POSTS = arg("regexp-posts", POSTS);
const NONASCII_POSTS = arg("nonascii-posts", 50_000);
const CHECK_POSTS = arg("check-posts", 20_000);
/** Also time the packages' other entry points (slower in a first check: kept out of the default run). */
const ALL_ENTRIES = process.argv.includes("--all-entries");
const loadAtStart = os.loadavg()[0] ?? 0;

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
const mbOf = (xs: readonly string[]): number => Buffer.byteLength(xs.join(""), "utf8") / 1e6;
const totalMB = mbOf(posts);

// Non-ASCII posts of the same lengths: German, Spanish and Mandarin MHC sentences, mixed, with
// a term in about as many posts as above; a post that came out all ASCII is drawn again.
const mhc = ["mhc_german.csv", "mhc_spanish.csv", "mhc_mandarin.csv"].flatMap((f) =>
  loadHateCheck(path.join(fixturesDir, "datasets", f)).map((c) => c.text.trim()),
);
const nonAsciiPosts: string[] = [];
while (nonAsciiPosts.length < NONASCII_POSTS) {
  const len = 20 + Math.floor(rand() * 381);
  let s = "";
  while (s.length < len) s += `${rand() < 0.012 ? pick(terms) : pick(mhc)} `;
  const post = s.slice(0, len);
  if (/[^\x00-\x7f]/.test(post)) nonAsciiPosts.push(post);
}
const nonAsciiMB = mbOf(nonAsciiPosts);

const policy: Policy = {
  id: "bench",
  title: "bench",
  version: "0",
  body: "",
  keywords: terms,
  signals: [],
  targets: [],
  regexes: [],
  typos: false,
  prefilter: "keywords",
  reasoningEffort: "low",
  escalationThreshold: 0.5,
  rules: [{ id: "B1", escalate: false }],
  onViolate: "hide",
  page: false,
  forums: ["*"],
  source: "bench",
};

const buildStart = process.hrtime.bigint();
const prefilter = new Prefilter([policy]);
const buildMs = Number(process.hrtime.bigint() - buildStart) / 1e6;

// ---- The baselines' inputs: the patterns Arbiter compiles, and its normaliser in front. ----

/** Whether a pattern must start / end a word (`*word` does not start one; Han terms neither). */
interface Bounds {
  start: boolean;
  end: boolean;
}
const boundsOf = new Map<string, Bounds>();
for (const t of terms) {
  for (const c of compileTerm(t, policy.typos)) {
    const seen = boundsOf.get(c.pattern);
    // The same pattern from two terms: the laxer requirement wins, as either term would match.
    boundsOf.set(c.pattern, seen === undefined ? { ...c.boundaries } : { start: seen.start && c.boundaries.start, end: seen.end && c.boundaries.end });
  }
}
const patterns = [...boundsOf.keys()];
const patternBounds = patterns.map((p) => boundsOf.get(p) as Bounds);

const CLS = charClassTable();
/** Letters and digits of spaced scripts: Arbiter's word characters (the matcher's own table). */
const WORD = Uint8Array.from(CLS, (k) => (k === CharClass.Letter || k === CharClass.WordPart ? 1 : 0));
/** Arbiter's word-boundary rule, applied to a library's raw hit [start, end) of the normalised text. */
function bounded(t: string, start: number, end: number, b: Bounds): boolean {
  if (b.start && start > 0 && WORD[t.charCodeAt(start - 1)] === 1) return false;
  return !(b.end && end < t.length && WORD[t.charCodeAt(end)] === 1);
}

/**
 * Arbiter's normalisation as a baseline would use it: the normalised text only. `normalise()`
 * also builds offset maps back to the original, which a yes/no baseline does not need (the
 * "normalise only" row times that); the text is the same, checked below.
 */
function normalisedText(text: string): string {
  const b = normaliseIntoScratch(text);
  return codesToString(b.codes, b.length);
}
for (const p of [...posts.slice(0, 2_000), ...nonAsciiPosts.slice(0, 2_000)]) {
  if (normalisedText(p) !== normalise(p).text) throw new Error(`baseline normaliser differs from normalise() on ${JSON.stringify(p)}`);
}

// ---- The baselines ----

const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
const re = new RegExp(`\\b(?:${escaped.join("|")})\\b`, "gi");
/** V8 optimises a regex only when its source is at most 20 KB (RegExp::kRegExpTooLargeToOptimize = 20 * 1024). */
const REGEXP_OPTIMISE_LIMIT = 20 * 1024;
const pieces: RegExp[] = [];
for (let from = 0; from < escaped.length;) {
  let source = `\\b(?:${escaped[from]}`;
  let to = from + 1;
  while (to < escaped.length && source.length + 1 + (escaped[to] as string).length + 4 <= REGEXP_OPTIMISE_LIMIT) source += `|${escaped[to++]}`;
  pieces.push(new RegExp(`${source})\\b`, "gi"));
  from = to;
}
function anyPiece(text: string): boolean {
  for (const piece of pieces) {
    piece.lastIndex = 0; // the g flag makes test() stateful
    if (piece.test(text)) return true;
  }
  return false;
}

const Bruno = createRequire(import.meta.url)("ahocorasick") as new (keywords: string[]) => { search(text: string): [number, string[]][] };
const modern = new ModernAhoCorasick(patterns);
const bruno = new Bruno(patterns);
const monyone = new MonyoneFast(patterns);

/** modern-ahocorasick: lazy iteration, stopping at the first hit that passes the boundary check. */
function modernHit(m: ModernAhoCorasick, t: string): boolean {
  for (const h of m.iterate(t)) if (bounded(t, h.start, h.end, patternBounds[h.patternIndex] as Bounds)) return true;
  return false;
}
/** ahocorasick: every hit as [index of its last character, keywords ending there]. */
function brunoHit(t: string): boolean {
  for (const [last, words] of bruno.search(t)) for (const w of words) if (bounded(t, last + 1 - w.length, last + 1, boundsOf.get(w) as Bounds)) return true;
  return false;
}
/** @monyone/aho-corasick: every hit as { begin, end, keyword }. */
function monyoneHit(m: { matchInText(t: string): { begin: number; end: number; keyword: string }[] }, t: string): boolean {
  for (const h of m.matchInText(t)) if (bounded(t, h.begin, h.end, boundsOf.get(h.keyword) as Bounds)) return true;
  return false;
}

// The word Set: patterns that are whole words or phrases of whole words joined by single spaces.
// What it cannot do: `*word` / `word*` terms and scripts without spaces (no boundary), or
// patterns holding other non-letters; counted here (none in the synthetic set).
const SPACE = 0x20;
const wordSet = new Set<string>();
let setUnsupported = 0;
let maxWords = 1;
for (const [p, b] of boundsOf) {
  let ok = b.start && b.end;
  for (let i = 0; ok && i < p.length; i++)
    ok = WORD[p.charCodeAt(i)] === 1 || (p.charCodeAt(i) === SPACE && WORD[p.charCodeAt(i - 1)] === 1 && WORD[p.charCodeAt(i + 1)] === 1);
  if (!ok) {
    setUnsupported++;
    continue;
  }
  wordSet.add(p);
  maxWords = Math.max(maxWords, p.split(" ").length);
}
let wordStarts = new Int32Array(256);
let wordEnds = new Int32Array(256);
/** Splits the normalised text into words; looks up each word, then the n-grams it starts (words one space apart). */
function setHit(t: string): boolean {
  let n = 0;
  for (let i = 0; i < t.length;) {
    if (WORD[t.charCodeAt(i)] !== 1) {
      i++;
      continue;
    }
    const s = i;
    while (i < t.length && WORD[t.charCodeAt(i)] === 1) i++;
    if (n === wordStarts.length) {
      const starts = new Int32Array(2 * n);
      const ends = new Int32Array(2 * n);
      starts.set(wordStarts);
      ends.set(wordEnds);
      wordStarts = starts;
      wordEnds = ends;
    }
    wordStarts[n] = s;
    wordEnds[n] = i;
    n++;
  }
  for (let w = 0; w < n; w++) {
    const s = wordStarts[w] as number;
    if (wordSet.has(t.slice(s, wordEnds[w]))) return true;
    for (let k = w + 1; k < n && k - w < maxWords; k++) {
      const gap = wordEnds[k - 1] as number;
      if (wordStarts[k] !== gap + 1 || t.charCodeAt(gap) !== SPACE) break;
      if (wordSet.has(t.slice(s, wordEnds[k]))) return true;
    }
  }
  return false;
}

interface Contender {
  label: string;
  /** The key of its figures in the JSON line. */
  key: string;
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
    console.log(
      `${c.label.padEnd(52)} ${c.n} posts in ${c.s.toFixed(2)} s: ${Math.round(c.n / c.s)} posts/s, ${(c.mb / c.s).toFixed(1)} MB/s, ${c.flagged} flagged (CPU ${c.cpu.toFixed(2)} s: ${Math.round(c.n / c.cpu)} posts/s)`,
    );
  }
  return runs;
}

console.log(`machine: ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores), node ${process.version}, load average ${loadAtStart.toFixed(2)}`);
console.log(
  `${POSTS} posts, ${totalChars} chars (${totalMB.toFixed(1)} MB), ${TERMS} terms -> ${prefilter.patternCount} patterns (${patterns.length} distinct), built in ${buildMs.toFixed(0)} ms`,
);
console.log(
  `${nonAsciiPosts.length} non-ASCII posts (${nonAsciiMB.toFixed(1)} MB) from ${mhc.length} MHC sentences (de, es, zh); RegExp split into ${pieces.length} pieces of ≤ ${REGEXP_OPTIMISE_LIMIT} chars (one piece: ${re.source.length}); word Set: ${wordSet.size} patterns, up to ${maxWords} words, ${setUnsupported} it cannot hold`,
);

// The worker's hot path: the default pack (config/policies) on short posts, most with no hit.
const pack = new Prefilter(await loadPolicySet(new URL("../config/policies", import.meta.url).pathname));
const shortPosts = posts.map((p) => p.slice(0, 80));

/** A baseline's decision on a post: "does any term occur?". */
interface Baseline {
  key: string;
  label: string;
  /** Over the original text (the RegExps) or the normalised one (the rest). */
  normalised: boolean;
  hit: (text: string) => boolean;
  library?: string;
}
const baselines: Baseline[] = [
  { key: "regexp", label: "RegExp \\b(?:…)\\b gi, test()", normalised: false, hit: (t) => ((re.lastIndex = 0), re.test(t)) },
  { key: "regexp_split", label: `RegExp split in ${pieces.length} pieces < 20 KB, test()`, normalised: false, hit: anyPiece },
  {
    key: "modern_ahocorasick",
    label: "normaliser + modern-ahocorasick 3.3.0",
    normalised: true,
    hit: (t) => modernHit(modern, t),
    library: "modern-ahocorasick 3.3.0 (iterate, default entry)",
  },
  { key: "ahocorasick", label: "normaliser + ahocorasick 1.0.2", normalised: true, hit: brunoHit, library: "ahocorasick 1.0.2 (search)" },
  {
    key: "monyone_aho_corasick",
    label: "normaliser + @monyone/aho-corasick/fast 1.1.11",
    normalised: true,
    hit: (t) => monyoneHit(monyone, t),
    library: "@monyone/aho-corasick 1.1.11 (/fast, double array, matchInText)",
  },
  { key: "word_set", label: "normaliser + word Set (n-grams)", normalised: true, hit: setHit },
];
if (ALL_ENTRIES) {
  const modernFast = new ModernFast(patterns);
  const monyoneDefault = new MonyoneDefault(patterns);
  baselines.push(
    {
      key: "modern_ahocorasick_fast",
      label: "normaliser + modern-ahocorasick/fast",
      normalised: true,
      hit: (t) => modernHit(modernFast, t),
      library: "modern-ahocorasick 3.3.0 (/fast, double array)",
    },
    {
      key: "monyone_aho_corasick_default",
      label: "normaliser + @monyone/aho-corasick (default)",
      normalised: true,
      hit: (t) => monyoneHit(monyoneDefault, t),
      library: "@monyone/aho-corasick 1.1.11 (default entry)",
    },
  );
}
const decide = (b: Baseline, text: string): boolean => b.hit(b.normalised ? normalisedText(text) : text);

// ---- Without the normalisation work: every contender gets the text normalised beforehand,
// off the clock, and only matches. Arbiter's side is its matcher over the normalised buffers
// (`Matcher.match`: its anchored trie and automaton, no ASCII screen); the libraries and the
// RegExps read the normalised text. With the work (the rows above): each contender starts from
// the post as written; Arbiter's ASCII screen may skip the normaliser where that is exact, the
// libraries pay `normalisedText` on every post. ----
const PRE_POSTS = arg("prenormalised-posts", 50_000);
interface Prenormalised {
  text: string;
  buf: NormaliseBuffers;
}
function prenormalise(xs: readonly string[]): Prenormalised[] {
  return xs.map((x) => {
    const b = normaliseIntoScratch(x);
    const buf = { codes: b.codes.slice(0, b.length), soft: b.soft.slice(0, b.length + 1), starts: new Int32Array(0), length: b.length };
    return { text: codesToString(buf.codes, buf.length), buf };
  });
}
const matcher = new Matcher([policy]);
const arbiterPre = (m: Matcher, p: Prenormalised): boolean => m.match(p.buf, undefined).length > 0;
const preAscii = prenormalise(posts.slice(0, PRE_POSTS));
const preNonAscii = prenormalise(nonAsciiPosts.slice(0, PRE_POSTS));

// ---- Real text: the held-out template posts (HateCheck and MHC, templates held out by
// shared/eval/template-split.ts) and OpenAI's spam golden set, each scanned for the default
// pack's vocabulary (every keyword, signal and target of config/policies as one keyword list:
// the decision is "any term", the same question the libraries answer). The sets are small, so
// each is cycled until REAL_POSTS scans. ----
const REAL_POSTS = arg("real-posts", 40_000);
const packPolicies = (await loadPolicySet(new URL("../config/policies", import.meta.url).pathname)).policies;
const vocabulary_ = [...new Set(packPolicies.flatMap((q) => [...q.keywords, ...q.signals, ...q.targets]))];
const vocabularyPolicy: Policy = { ...policy, id: "pack-vocabulary", keywords: vocabulary_ };
const heldOut = ["hatecheck_en.csv", "mhc_german.csv", "mhc_spanish.csv", "mhc_mandarin.csv"].flatMap((f) =>
  loadHateCheck(path.join(fixturesDir, "datasets", f))
    .filter((c) => c.templateId !== undefined && templatePart(c.templateId) === "held-out")
    .map((c) => c.text),
);
const spamPosts = loadSpamGolden(path.join(fixturesDir, "spam-policy", "golden_dataset.csv")).map((c) => c.text);

/** Arbiter and the three libraries over one vocabulary, each with and without the normalisation work. */
function vocabularySuite(name: string, texts: readonly string[]) {
  const pf = new Prefilter([vocabularyPolicy]);
  const m = new Matcher([vocabularyPolicy]);
  const bounds = new Map<string, Bounds>();
  for (const t of vocabularyPolicy.keywords) {
    for (const c of compileTerm(t, vocabularyPolicy.typos)) {
      const seen = bounds.get(c.pattern);
      bounds.set(c.pattern, seen === undefined ? { ...c.boundaries } : { start: seen.start && c.boundaries.start, end: seen.end && c.boundaries.end });
    }
  }
  const pats = [...bounds.keys()];
  const patBounds = pats.map((q) => bounds.get(q) as Bounds);
  const modernV = new ModernAhoCorasick(pats);
  const brunoV = new Bruno(pats);
  const monyoneV = new MonyoneFast(pats);
  const libs: { key: string; hit: (t: string) => boolean }[] = [
    {
      key: "modern_ahocorasick",
      hit: (t) => {
        for (const h of modernV.iterate(t)) if (bounded(t, h.start, h.end, patBounds[h.patternIndex] as Bounds)) return true;
        return false;
      },
    },
    {
      key: "ahocorasick",
      hit: (t) => {
        for (const [last, ws] of brunoV.search(t)) for (const w of ws) if (bounded(t, last + 1 - w.length, last + 1, bounds.get(w) as Bounds)) return true;
        return false;
      },
    },
    {
      key: "monyone_aho_corasick",
      hit: (t) => {
        for (const h of monyoneV.matchInText(t)) if (bounded(t, h.begin, h.end, bounds.get(h.keyword) as Bounds)) return true;
        return false;
      },
    },
  ];
  const pre = prenormalise(texts);
  const mb = (mbOf(texts) * REAL_POSTS) / texts.length;
  const at = (i: number) => i % texts.length;
  const disagreements = Object.fromEntries(libs.map((l) => [l.key, texts.filter((t) => l.hit(normalisedText(t)) !== pf.match(t).anySendToModel).length]));
  const contenders = [
    {
      key: `${name}_prefilter`,
      label: `${name}: prefilter (Prefilter.match)`,
      n: REAL_POSTS,
      mb,
      fn: (i: number) => pf.match(texts[at(i)] as string).anySendToModel,
    },
    ...libs.map((l) => ({
      key: `${name}_${l.key}`,
      label: `${name}: normaliser + ${l.key}`,
      n: REAL_POSTS,
      mb,
      fn: (i: number) => l.hit(normalisedText(texts[at(i)] as string)),
    })),
    {
      key: `${name}_pre_prefilter`,
      label: `${name}, pre-normalised: Matcher.match`,
      n: REAL_POSTS,
      mb,
      fn: (i: number) => arbiterPre(m, pre[at(i)] as Prenormalised),
    },
    ...libs.map((l) => ({
      key: `${name}_pre_${l.key}`,
      label: `${name}, pre-normalised: ${l.key}`,
      n: REAL_POSTS,
      mb,
      fn: (i: number) => l.hit((pre[at(i)] as Prenormalised).text),
    })),
  ];
  return { name, posts: texts.length, patterns: pats.length, libs: libs.map((l) => l.key), disagreements, contenders };
}
const realSuites = [vocabularySuite("heldout", heldOut), vocabularySuite("spam", spamPosts)];
console.log(
  `real text: ${heldOut.length} held-out template posts, ${spamPosts.length} spam-set posts, each cycled to ${REAL_POSTS} scans; pack vocabulary ${vocabulary_.length} terms -> ${realSuites[0]?.patterns} patterns; disagreements with Arbiter: ${realSuites.map((r) => `${r.name} ${JSON.stringify(r.disagreements)}`).join(", ")}`,
);

// Same decisions? Untimed: each baseline against Arbiter on the first posts of both sets.
const disagreements = new Map<string, { ascii: number; nonAscii: number }>();
for (const b of baselines) {
  const count = (xs: readonly string[]) => xs.slice(0, CHECK_POSTS).filter((p) => decide(b, p) !== prefilter.match(p).anySendToModel).length;
  disagreements.set(b.key, { ascii: count(posts), nonAscii: count(nonAsciiPosts) });
}
const checked = { ascii: Math.min(CHECK_POSTS, POSTS), nonAscii: Math.min(CHECK_POSTS, nonAsciiPosts.length) };
console.log(
  `decisions checked against Arbiter on ${checked.ascii} ASCII and ${checked.nonAscii} non-ASCII posts; disagreements: ${baselines.map((b) => `${b.key} ${disagreements.get(b.key)?.ascii}/${disagreements.get(b.key)?.nonAscii}`).join(", ")}`,
);

const results = race([
  {
    key: "normalise",
    label: "normalise only (normalise(), with offset maps)",
    n: POSTS,
    mb: totalMB,
    fn: (i) => normalise(posts[i] as string).text.length < 0,
  },
  {
    key: "normalised_text",
    label: "normalised text only (the baselines' front end)",
    n: POSTS,
    mb: totalMB,
    fn: (i) => normalisedText(posts[i] as string).length < 0,
  },
  { key: "prefilter", label: "prefilter (Prefilter.match)", n: POSTS, mb: totalMB, fn: (i) => prefilter.match(posts[i] as string).anySendToModel },
  ...baselines.map((b) => {
    const n = b.key === "regexp" ? REGEXP_POSTS : POSTS;
    return { key: b.key, label: b.label, n, mb: (totalMB * n) / POSTS, fn: (i: number) => decide(b, posts[i] as string) };
  }),
  {
    key: "nonascii_prefilter",
    label: "non-ASCII: prefilter (Prefilter.match)",
    n: nonAsciiPosts.length,
    mb: nonAsciiMB,
    fn: (i) => prefilter.match(nonAsciiPosts[i] as string).anySendToModel,
  },
  ...baselines.map((b) => ({
    key: `nonascii_${b.key}`,
    label: `non-ASCII: ${b.label}`,
    n: nonAsciiPosts.length,
    mb: nonAsciiMB,
    fn: (i: number) => decide(b, nonAsciiPosts[i] as string),
  })),
  {
    key: "pack_short",
    label: "default pack, posts cut to 80 chars",
    n: POSTS,
    mb: mbOf(shortPosts),
    fn: (i) => pack.match(shortPosts[i] as string, "general").anySendToModel,
  },
  {
    key: "pre_prefilter",
    label: "pre-normalised: Matcher.match",
    n: preAscii.length,
    mb: mbOf(posts.slice(0, PRE_POSTS)),
    fn: (i) => arbiterPre(matcher, preAscii[i] as Prenormalised),
  },
  ...baselines.map((b) => ({
    key: `pre_${b.key}`,
    label: `pre-normalised: ${b.label.replace("normaliser + ", "")}`,
    n: b.key === "regexp" ? Math.min(REGEXP_POSTS, preAscii.length) : preAscii.length,
    mb: mbOf(posts.slice(0, PRE_POSTS)),
    fn: (i: number) => b.hit((preAscii[i] as Prenormalised).text),
  })),
  {
    key: "pre_nonascii_prefilter",
    label: "non-ASCII, pre-normalised: Matcher.match",
    n: preNonAscii.length,
    mb: mbOf(nonAsciiPosts.slice(0, PRE_POSTS)),
    fn: (i) => arbiterPre(matcher, preNonAscii[i] as Prenormalised),
  },
  ...baselines.map((b) => ({
    key: `pre_nonascii_${b.key}`,
    label: `non-ASCII, pre-normalised: ${b.label.replace("normaliser + ", "")}`,
    n: preNonAscii.length,
    mb: mbOf(nonAsciiPosts.slice(0, PRE_POSTS)),
    fn: (i: number) => b.hit((preNonAscii[i] as Prenormalised).text),
  })),
  ...realSuites.flatMap((r) => r.contenders),
]);
const by = (key: string): Contender => results.find((c) => c.key === key) as Contender;
const wall = (c: Contender): number => c.n / c.s;
const cpuRate = (c: Contender): number => c.n / c.cpu;
const ratio = (x: number): number => Number(x.toFixed(2));
const [norm, pf, rx, packShort, pfNon] = ["normalise", "prefilter", "regexp", "pack_short", "nonascii_prefilter"].map(by) as [
  Contender,
  Contender,
  Contender,
  Contender,
  Contender,
];

console.log("Arbiter's posts/s ÷ each baseline's (wall / CPU; ASCII, then non-ASCII):");
const baselineFigures: Record<string, Record<string, number | string>> = {};
for (const b of baselines) {
  const a = by(b.key);
  const na = by(`nonascii_${b.key}`);
  const d = disagreements.get(b.key) as { ascii: number; nonAscii: number };
  baselineFigures[b.key] = {
    posts_per_s: Math.round(wall(a)),
    posts_per_cpu_s: Math.round(cpuRate(a)),
    flagged: a.flagged,
    vs: ratio(wall(pf) / wall(a)),
    vs_cpu: ratio(cpuRate(pf) / cpuRate(a)),
    nonascii_posts_per_s: Math.round(wall(na)),
    nonascii_posts_per_cpu_s: Math.round(cpuRate(na)),
    nonascii_flagged: na.flagged,
    vs_nonascii: ratio(wall(pfNon) / wall(na)),
    vs_nonascii_cpu: ratio(cpuRate(pfNon) / cpuRate(na)),
    disagreements: d.ascii,
    nonascii_disagreements: d.nonAscii,
  };
  const f = baselineFigures[b.key] as Record<string, number>;
  console.log(
    `  vs ${b.label.padEnd(50)} ${String(f.vs).padStart(6)}× / ${String(f.vs_cpu).padStart(6)}× CPU; non-ASCII ${String(f.vs_nonascii).padStart(6)}× / ${String(f.vs_nonascii_cpu).padStart(6)}× CPU`,
  );
}
const fastest = (xs: readonly Baseline[], key: (b: Baseline) => string): Baseline =>
  xs.reduce((best, b) => (wall(by(key(b))) > wall(by(key(best))) ? b : best));
const libraries = baselines.filter((b) => b.library !== undefined);
const bestLibrary = fastest(libraries, (b) => b.key);
const bestLibraryNonAscii = fastest(libraries, (b) => `nonascii_${b.key}`);
const bestBaseline = fastest(baselines, (b) => b.key);
const bestBaselineNonAscii = fastest(baselines, (b) => `nonascii_${b.key}`);
console.log(
  `strongest library: ${bestLibrary.library} (ASCII), ${bestLibraryNonAscii.library} (non-ASCII); fastest baseline: ${bestBaseline.key} (ASCII), ${bestBaselineNonAscii.key} (non-ASCII)`,
);

// Like against like: Arbiter ÷ the fastest library, with the normalisation work (from the post
// as written) and without it (text normalised beforehand), on each set.
const LIBRARY_KEYS = ["modern_ahocorasick", "ahocorasick", "monyone_aho_corasick"];
function fairRow(arbiterKey: string, libraryKey: (lib: string) => string) {
  const arbiter = by(arbiterKey);
  const libs = LIBRARY_KEYS.map((l) => ({ lib: l, c: by(libraryKey(l)) }));
  const best = libs.reduce((a, b) => (wall(b.c) > wall(a.c) ? b : a));
  return {
    prefilter_posts_per_s: Math.round(wall(arbiter)),
    prefilter_posts_per_cpu_s: Math.round(cpuRate(arbiter)),
    libraries_posts_per_s: Object.fromEntries(libs.map((l) => [l.lib, Math.round(wall(l.c))])),
    best_library: best.lib,
    vs_best_library: ratio(wall(arbiter) / wall(best.c)),
    vs_best_library_cpu: ratio(cpuRate(arbiter) / cpuRate(best.c)),
  };
}
const fair = {
  synthetic_ascii: { with_normalisation: fairRow("prefilter", (l) => l), without_normalisation: fairRow("pre_prefilter", (l) => `pre_${l}`) },
  synthetic_nonascii: {
    with_normalisation: fairRow("nonascii_prefilter", (l) => `nonascii_${l}`),
    without_normalisation: fairRow("pre_nonascii_prefilter", (l) => `pre_nonascii_${l}`),
  },
  ...Object.fromEntries(
    realSuites.map((r) => [
      r.name === "heldout" ? "heldout_templates" : "spam_set",
      {
        posts: r.posts,
        patterns: r.patterns,
        disagreements: r.disagreements,
        with_normalisation: fairRow(`${r.name}_prefilter`, (l) => `${r.name}_${l}`),
        without_normalisation: fairRow(`${r.name}_pre_prefilter`, (l) => `${r.name}_pre_${l}`),
      },
    ]),
  ),
};
console.log("Arbiter ÷ the fastest npm Aho–Corasick library, like against like (wall):");
for (const [set, row] of Object.entries(fair)) {
  const r = row as { with_normalisation: ReturnType<typeof fairRow>; without_normalisation: ReturnType<typeof fairRow> };
  console.log(
    `  ${set.padEnd(20)} with the normalisation work ${r.with_normalisation.vs_best_library}× (${r.with_normalisation.best_library}); without it ${r.without_normalisation.vs_best_library}× (${r.without_normalisation.best_library})`,
  );
}
const worstFair = Math.min(...Object.values(fair).flatMap((row) => [row.with_normalisation.vs_best_library, row.without_normalisation.vs_best_library]));

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
  // Arbiter's posts/s ÷ the fastest npm Aho–Corasick package's (wall; then CPU and non-ASCII).
  vs_best_library: ratio(wall(pf) / wall(by(bestLibrary.key))),
  best_library: bestLibrary.library,
  vs_best_library_cpu: ratio(cpuRate(pf) / cpuRate(by(bestLibrary.key))),
  vs_best_library_nonascii: ratio(wall(pfNon) / wall(by(`nonascii_${bestLibraryNonAscii.key}`))),
  best_library_nonascii: bestLibraryNonAscii.library,
  // The same against the fastest of every baseline (RegExps and the word Set too).
  vs_best_baseline: ratio(wall(pf) / wall(by(bestBaseline.key))),
  best_baseline: bestBaseline.key,
  vs_best_baseline_nonascii: ratio(wall(pfNon) / wall(by(`nonascii_${bestBaselineNonAscii.key}`))),
  best_baseline_nonascii: bestBaselineNonAscii.key,
  baseline_front_end_posts_per_s: Math.round(wall(by("normalised_text"))),
  regexp_split_pieces: pieces.length,
  word_set_unsupported_patterns: setUnsupported,
  nonascii_posts: nonAsciiPosts.length,
  nonascii_posts_per_s: Math.round(wall(pfNon)),
  nonascii_posts_per_cpu_s: Math.round(cpuRate(pfNon)),
  nonascii_flagged: pfNon.flagged,
  decisions_checked: checked,
  baselines: baselineFigures,
  // Goal: ≥ 2× the fastest library on every set, with and without the normalisation work.
  fair,
  vs_best_library_worst_fair: worstFair,
  fair_goal_2x_met: worstFair >= 2,
  load_average_start: Number(loadAtStart.toFixed(2)),
  load_average: Number(os.loadavg()[0]?.toFixed(2)),
  node: process.version,
  cpu: os.cpus()[0]?.model,
};
console.log(JSON.stringify(result));
