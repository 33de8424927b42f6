import { LineCounter, isAlias, isMap, isNode, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node, type Pair } from "yaml";
import { PolicyError } from "./policy-error.js";

/** A front-matter value, as YAML's core schema gives it. */
export type FrontMatterValue = string | number | boolean | null | FrontMatterValue[] | { [key: string]: FrontMatterValue };

/** A key path into the front matter: `["rules", 1, "id"]`. */
export type FrontMatterPath = readonly (string | number)[];

/** A document split into its front matter and its body. */
export interface FrontMatterDocument {
  data: Record<string, FrontMatterValue>;
  body: string;
  /**
   * The file line of a key path: of its last part that is present (a missing rule id gives the
   * rule's line), undefined when even the first is absent.
   */
  lineOf(path: FrontMatterPath): number | undefined;
}

/**
 * Splits `---`-delimited front matter from a Markdown document and parses it as YAML (1.2, core
 * schema). Errors are {@link PolicyError}s naming the source, the file line and, when known, the
 * top-level field: YAML syntax errors and warnings, duplicate keys, keys that are not names, and
 * anchors and aliases (in a policy `*word` is a keyword pattern: unquoted, YAML would read an alias).
 */
export function parseFrontMatter(text: string, source: string): FrontMatterDocument {
  const src = text.startsWith("\ufeff") ? text.slice(1) : text;
  const lines = src.split(/\r?\n/);
  if (lines[0]?.trim() !== "---") throw new PolicyError(source, undefined, "missing front matter (the file must start with ---)", 1);
  const close = lines.findIndex((l, i) => i > 0 && l.trim() === "---");
  if (close < 0) throw new PolicyError(source, undefined, "front matter is not closed by ---", 1);

  const counter = new LineCounter();
  const doc = parseDocument(lines.slice(1, close).join("\n"), { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  // The YAML text starts on the file's second line.
  const fileLine = (offset: number): number => counter.linePos(offset).line + 1;
  const fail = (offset: number, field: string | undefined, detail: string): never => {
    throw new PolicyError(source, field, detail, fileLine(offset));
  };

  // After a syntax error the tree is a guess, so only a duplicate key or a warning names a field.
  const broken = doc.errors.find((e) => e.code !== "DUPLICATE_KEY");
  if (broken) fail(broken.pos[0], undefined, broken.message);
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) fail(problem.pos[0], fieldAt(doc, problem.pos[0]), problem.message);
  const contents = doc.contents;
  if (contents !== null && !isMap(contents)) fail(contents.range[0], undefined, 'front matter must be "key: value" lines');
  visit(doc, (_key, node, path) => {
    const field = fieldOf(path);
    if (isAlias(node)) fail(node.range?.[0] ?? 0, field, `*${node.source} reads as a YAML alias: quote a value that starts with "*" ("*${node.source}")`);
    if (isPair(node)) {
      const { key } = node;
      if (!isScalar(key) || typeof key.value !== "string") fail((key as Node | null)?.range?.[0] ?? 0, field, "keys must be names");
    } else if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor !== undefined) {
      fail(node.range?.[0] ?? 0, field, `"&${node.anchor}" is a YAML anchor, which policies do not use: quote a value that starts with "&"`);
    }
  });

  return {
    data: (doc.toJS() ?? {}) as Record<string, FrontMatterValue>,
    body: lines
      .slice(close + 1)
      .join("\n")
      .replace(/^\n+/, ""),
    lineOf: (keyPath) => {
      let line: number | undefined;
      let node: unknown = doc.contents;
      for (const part of keyPath) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && p.key.value === part);
          if (!pair) break;
          line = fileLine((pair.key as Node).range![0]);
          node = pair.value;
        } else if (isSeq(node) && typeof part === "number" && isNode(node.items[part]) && node.items[part].range) {
          const item = node.items[part];
          line = fileLine(item.range![0]);
          node = item;
        } else break;
      }
      return line;
    },
  };
}

/** The top-level field a visited node sits under (its first ancestor pair's key). */
function fieldOf(path: readonly (Document | Node | Pair)[]): string | undefined {
  const pair = path.find((p) => isPair(p));
  return pair && isPair(pair) && isScalar(pair.key) && typeof pair.key.value === "string" ? pair.key.value : undefined;
}

/** The top-level field at `offset`: the last key that starts at or before it. */
function fieldAt(doc: Document.Parsed, offset: number): string | undefined {
  if (!isMap(doc.contents)) return undefined;
  let field: string | undefined;
  for (const { key } of doc.contents.items) {
    const start = (key as Node | null)?.range?.[0];
    if (start === undefined || start > offset) break;
    field = isScalar(key) && typeof key.value === "string" ? key.value : undefined;
  }
  return field;
}
