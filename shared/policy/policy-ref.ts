import { UsageError } from "../errors/usage-error.js";

/**
 * A policy named on the command line (`--policy`, `--against`), before anything is read:
 * - `file`: a policy file (a path ending in `.md` or holding a `/` or `\`, or an existing file);
 *   `expectedId` only for the deprecated `ID@FILE` form, whose file must hold policy ID;
 * - `id`: a policy by id (the registry's current version, else the policies folder's);
 * - `version`: `ID@VERSION`, a version the policy registry keeps (or a unique prefix of one).
 */
export type PolicyRef =
  { kind: "file"; path: string; expectedId?: string; warning?: string } | { kind: "id"; id: string } | { kind: "version"; id: string; version: string };

/** What a policy id may be (as `parsePolicy` checks it): lower-case letters, digits, `-` and `_`. */
const ID = /^[a-z0-9][a-z0-9_-]*$/;
/** A version or a prefix of one: no path separator, no second `@`, no space. */
const VERSION = /^[^@/\\\s]+$/;
const looksLikeFile = (s: string) => /\.md$/i.test(s) || /[/\\]/.test(s);

/** The warning for `ID@FILE`, the form `arbiter eval` took before the grammar was one. */
export function deprecatedIdAtFile(option: string): string {
  return `${option} ID@FILE is deprecated: name the file alone; its id comes from its front matter`;
}

/**
 * Parses a policy reference; throws a {@link UsageError} naming `option` and `ref` when it is none.
 * `isFile` says whether a path is an existing file: a reference that is neither an id nor
 * `ID@VERSION` (a dot makes it no id) names a file when one exists there. An id-shaped
 * reference is always an id, whatever files the working directory holds (`./spam` is the file).
 */
export function parsePolicyRef(ref: string, option = "--policy", isFile: (path: string) => boolean = () => false): PolicyRef {
  const bad = (why: string) => new UsageError(`${option} ${ref}: ${why}`);
  if (ref.trim() === "") throw new UsageError(`${option}: empty; give ID, ID@VERSION or a policy FILE`);
  const at = ref.indexOf("@");
  if (at > 0 && ID.test(ref.slice(0, at)) && looksLikeFile(ref.slice(at + 1))) {
    return { kind: "file", path: ref.slice(at + 1), expectedId: ref.slice(0, at), warning: deprecatedIdAtFile(option) };
  }
  if (looksLikeFile(ref)) return { kind: "file", path: ref };
  if (ID.test(ref)) return { kind: "id", id: ref };
  if (at > 0 && ID.test(ref.slice(0, at)) && VERSION.test(ref.slice(at + 1))) return { kind: "version", id: ref.slice(0, at), version: ref.slice(at + 1) };
  if (isFile(ref)) return { kind: "file", path: ref };
  if (at > 0 && ID.test(ref.slice(0, at))) {
    const version = ref.slice(at + 1);
    throw bad(
      `${version === "" ? "no version after the @" : `"${version}" is no version`} (ID@VERSION: a version the registry keeps, or at least 4 characters of one)`,
    );
  }
  if (at >= 0) throw bad(`${at === 0 ? "no policy id before the @" : `"${ref.slice(0, at)}" is no policy id`} (lower-case letters, digits, - or _)`);
  throw bad("no policy id (lower-case letters, digits, - or _), ID@VERSION or policy file (FILE.md, or a path with a /) and no such file");
}
