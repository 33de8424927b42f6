import { RE2JS } from "re2js";
import { ArbiterError } from "../errors/arbiter-error.js";

/**
 * Policy regexes are written in JavaScript's syntax (as `new RegExp(source, "gi")` reads it)
 * and run on RE2JS, a pure-JavaScript port of RE2, whose matching time is linear in the text:
 * no pattern can make a post take quadratic or exponential time, as a backtracking engine can
 * (`\b[a-z0-9-]+\.(com|…)\b` took 14 s on 80,000 characters of "a-" in V8's engine).
 *
 * RE2 has no backtracking, so lookarounds and back-references are refused, and so is any
 * construct that RE2 reads differently from JavaScript without a faithful translation. The rest
 * is translated so that a pattern matches what it matches in JavaScript: `.` and `\s` keep
 * JavaScript's sets, `\uXXXX` and named groups get RE2's spelling. Two differences remain, both
 * towards matching more: case-insensitive matching follows Unicode simple case folding (the
 * Kelvin sign matches `k`, the long s matches `s`), and a character outside the BMP is one
 * character (JavaScript without `u` sees two halves of a surrogate pair).
 */

/** A policy regex the linear engine cannot run as JavaScript would: `reason` says why. */
export class UnsupportedRegexError extends ArbiterError {
  readonly code = "UNSUPPORTED_REGEX";
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super(reason);
    this.name = "UnsupportedRegexError";
  }
}

/** JavaScript's `\s`: WhiteSpace and LineTerminator (ECMA-262), as an RE2 class body. */
const JS_SPACE = "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";
/** JavaScript's `.` without the `s` flag: anything but a line terminator. */
const JS_DOT = "[^\\n\\r\\x{2028}\\x{2029}]";

/**
 * The RE2 spelling of a policy regex written in JavaScript's syntax. Throws
 * {@link UnsupportedRegexError} for what RE2 cannot run the JavaScript way. The source must
 * already be valid JavaScript (`new RegExp(source)`); RE2's own syntax errors come from
 * {@link compilePolicyRegex}.
 */
export function toRe2Syntax(source: string): string {
  const refuse = (reason: string): never => {
    throw new UnsupportedRegexError(source, reason);
  };
  let out = "";
  let inClass = false;
  const n = source.length;
  for (let i = 0; i < n; i++) {
    const c = source[i] as string;
    if (c === "\\") {
      const e = source[i + 1];
      if (e === undefined) return refuse("it ends in a lone backslash");
      i++;
      if (e >= "1" && e <= "9") return refuse(`back-reference \\${e}: back-references need a backtracking engine`);
      if (e === "k" && source[i + 1] === "<") return refuse("named back-reference \\k<…>: back-references need a backtracking engine");
      if (e === "p" || e === "P") return refuse(`\\${e} is the letter ${e} in JavaScript without the u flag but a Unicode class in RE2: write what you mean`);
      if (e === "s") {
        out += inClass ? JS_SPACE : `[${JS_SPACE}]`;
      } else if (e === "S") {
        if (inClass) return refuse("\\S inside a character class: list the characters instead");
        out += `[^${JS_SPACE}]`;
      } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 1, i + 5))) {
        out += `\\x{${source.slice(i + 1, i + 5)}}`;
        i += 4;
      } else if (e === "c" && /^[A-Za-z]$/.test(source[i + 1] ?? "")) {
        out += `\\x{${((source.charCodeAt(i + 1) as number) % 32).toString(16)}}`;
        i++;
      } else if (e === "0" && !/[0-9]/.test(source[i + 1] ?? "")) {
        out += "\\x{0}";
      } else if (e === "b" && inClass) {
        out += "\\x{8}"; // [\b] is a backspace
      } else if (e === "/") {
        out += "/";
      } else {
        out += `\\${e}`; // RE2 refuses the escapes it does not know, and says which
      }
    } else if (inClass) {
      if (c === "]") inClass = false;
      else if (c === "[") {
        out += "\\[";
        continue;
      }
      out += c;
    } else if (c === "[") {
      inClass = true;
      out += c;
      if (source[i + 1] === "^") out += source[++i] as string;
      if (source[i + 1] === "]") return refuse(source[i] === "^" ? "[^] (any character): write [\\s\\S]" : "[] (an empty class) matches nothing");
    } else if (c === "(" && source[i + 1] === "?") {
      const rest = source.slice(i + 2, i + 4);
      if (rest.startsWith("=") || rest.startsWith("!")) return refuse(`lookahead (?${rest[0]}…): lookarounds need a backtracking engine`);
      if (rest === "<=" || rest === "<!") return refuse(`lookbehind (?${rest}…): lookarounds need a backtracking engine`);
      if (rest.startsWith("<")) {
        out += "(?P<";
        i += 2;
      } else out += c;
    } else if (c === ".") {
      out += JS_DOT;
    } else out += c;
  }
  return out;
}

/**
 * Compiles a policy regex (JavaScript syntax) for the linear engine, case-insensitive as the
 * prefilter runs it. Throws {@link UnsupportedRegexError} with the reason when it cannot.
 */
export function compilePolicyRegex(source: string): RE2JS {
  const re2 = toRe2Syntax(source);
  try {
    return RE2JS.compile(re2, RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    throw new UnsupportedRegexError(source, `the linear-time engine (RE2) refuses it: ${(error as Error).message}`);
  }
}

/**
 * Why a policy regex cannot be used, or null when it can: it must be valid JavaScript and run
 * on the linear engine the JavaScript way.
 */
export function policyRegexProblem(source: string): string | null {
  try {
    new RegExp(source, "gi");
  } catch (error) {
    return `it is not a valid regular expression: ${(error as Error).message}`;
  }
  try {
    compilePolicyRegex(source);
  } catch (error) {
    if (error instanceof UnsupportedRegexError) return error.reason;
    throw error;
  }
  return null;
}
