import { PolicyError } from "./policy-error.js";

/** A front-matter value: the YAML subset policies need. */
export type FrontMatterValue = string | number | boolean | null | FrontMatterValue[] | { [key: string]: FrontMatterValue };

/** A document split into its front matter and its body. */
export interface FrontMatterDocument {
  data: Record<string, FrontMatterValue>;
  body: string;
}

interface Line {
  indent: number;
  text: string;
  number: number;
}

/**
 * Splits `---`-delimited front matter from a Markdown document and parses it. Supports the YAML
 * subset policies use: `key: scalar`, flow lists `[a, "b c"]`, block lists (`- item`), lists of
 * small maps (`- id: SP4` + indented `escalate: true`), quoted strings and `#` comments.
 * Anything else is an error naming the source and line.
 */
export function parseFrontMatter(text: string, source: string): FrontMatterDocument {
  const src = text.startsWith("\ufeff") ? text.slice(1) : text;
  const lines = src.split(/\r?\n/);
  if (lines[0]?.trim() !== "---") throw new PolicyError(source, undefined, "missing front matter (the file must start with ---)");
  const close = lines.findIndex((l, i) => i > 0 && l.trim() === "---");
  if (close < 0) throw new PolicyError(source, undefined, "front matter is not closed by ---");
  const parsed: Line[] = [];
  for (let i = 1; i < close; i++) {
    const raw = lines[i] as string;
    if (raw.includes("\t")) throw new PolicyError(source, undefined, `line ${i + 1}: tabs are not allowed in front matter`);
    let text = stripComment(raw).trimEnd();
    if (text.trim().length === 0) continue;
    const number = i + 1;
    // A flow list may span lines: keep reading until its brackets balance.
    while (bracketDepth(text) > 0) {
      if (++i >= close) throw new PolicyError(source, undefined, `line ${number}: list "[" is not closed`);
      text += " " + stripComment(lines[i] as string).trim();
    }
    parsed.push({ indent: text.length - text.trimStart().length, text: text.trim(), number });
  }
  const parser = new BlockParser(parsed, source);
  const data = parser.parseMap(0);
  if (parser.pos < parsed.length) {
    const l = parsed[parser.pos] as Line;
    throw new PolicyError(source, undefined, `line ${l.number}: unexpected indentation`);
  }
  return { data: data as Record<string, FrontMatterValue>, body: lines.slice(close + 1).join("\n").replace(/^\n+/, "") };
}

/** Open "[" minus closing "]" outside quotes. */
function bracketDepth(line: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "[") depth++;
    else if (c === "]") depth--;
  }
  return depth;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || line[i - 1] === " ")) return line.slice(0, i);
  }
  return line;
}

class BlockParser {
  pos = 0;
  constructor(
    private readonly lines: Line[],
    private readonly source: string,
  ) {}

  private fail(line: Line, detail: string): never {
    throw new PolicyError(this.source, undefined, `line ${line.number}: ${detail}`);
  }

  parseMap(indent: number, firstInline?: string, firstLine?: Line): Record<string, FrontMatterValue> {
    const out: Record<string, FrontMatterValue> = {};
    const take = (text: string, line: Line): void => {
      const m = /^([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$/.exec(text) ?? /^([A-Za-z_][\w-]*):()$/.exec(text);
      if (!m) this.fail(line, `expected "key: value", got "${text}"`);
      const key = m[1] as string;
      if (key in out) this.fail(line, `duplicate key "${key}"`);
      const rest = (m[2] ?? "").trim();
      if (rest.length > 0) out[key] = parseInline(rest, () => this.fail(line, `bad value for "${key}"`));
      else {
        const next = this.lines[this.pos];
        const isItem = next !== undefined && (next.text.startsWith("- ") || next.text === "-");
        if (next && next.indent > line.indent) {
          out[key] = isItem ? this.parseList(next.indent) : this.parseMap(next.indent);
        } else if (next && isItem && next.indent === line.indent) {
          // YAML allows a block list at the same indentation as its key.
          out[key] = this.parseList(next.indent);
        } else out[key] = null;
      }
    };
    if (firstInline !== undefined && firstLine) take(firstInline, firstLine);
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos] as Line;
      if (line.indent < indent) break;
      if (line.indent > indent) this.fail(line, "unexpected indentation");
      if (line.text.startsWith("- ")) break;
      this.pos++;
      take(line.text, line);
    }
    return out;
  }

  parseList(indent: number): FrontMatterValue[] {
    const out: FrontMatterValue[] = [];
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos] as Line;
      if (line.indent !== indent || !(line.text.startsWith("- ") || line.text === "-")) {
        if (line.indent > indent) this.fail(line, "unexpected indentation in list");
        break;
      }
      this.pos++;
      const item = line.text.slice(1).trim();
      if (/^[A-Za-z_][\w-]*\s*:(\s|$)/.test(item)) {
        // "- id: SP4" then "  escalate: true": a small map whose keys align after "- ".
        const itemIndent = indent + 2;
        out.push(this.parseMap(itemIndent, item, { ...line, indent: itemIndent }));
      } else {
        out.push(parseInline(item, () => this.fail(line, `bad list item "${item}"`)));
      }
    }
    return out;
  }
}

/** Parses a scalar or a flow list. */
function parseInline(text: string, bad: () => never): FrontMatterValue {
  if (text.startsWith("[")) {
    if (!text.endsWith("]")) bad();
    const inner = text.slice(1, -1);
    const items: FrontMatterValue[] = [];
    let i = 0;
    while (i < inner.length) {
      while (i < inner.length && (inner[i] === " " || inner[i] === ",")) {
        if (inner[i] === "," && items.length === 0 && inner.slice(0, i).trim() === "") bad();
        i++;
      }
      if (i >= inner.length) break;
      const q = inner[i];
      if (q === '"' || q === "'") {
        const { value, next } = readQuoted(inner, i, bad);
        items.push(value);
        i = next;
        while (i < inner.length && inner[i] === " ") i++;
        if (i < inner.length && inner[i] !== ",") bad();
      } else {
        let j = inner.indexOf(",", i);
        if (j < 0) j = inner.length;
        items.push(parseScalar(inner.slice(i, j).trim()));
        i = j;
      }
    }
    return items;
  }
  if (text.startsWith('"') || text.startsWith("'")) {
    const { value, next } = readQuoted(text, 0, bad);
    if (text.slice(next).trim().length > 0) bad();
    return value;
  }
  return parseScalar(text);
}

function readQuoted(s: string, at: number, bad: () => never): { value: string; next: number } {
  const q = s[at];
  let out = "";
  let i = at + 1;
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if (q === "'" && c === "'" && s[i + 1] === "'") {
      out += "'";
      i++;
    } else if (c === q) return { value: out, next: i + 1 };
    else if (q === '"' && c === "\\") {
      const e = s[++i];
      if (e === "n") out += "\n";
      else if (e === "t") out += "\t";
      else if (e === "u") {
        const hex = s.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) bad();
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
      } else if (e === undefined) bad();
      else out += e;
    } else out += c;
  }
  return bad();
}

function parseScalar(s: string): FrontMatterValue {
  if (s === "" || s === "~" || s === "null") return null;
  if (s === "true") return true;
  if (s === "false") return false;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}
