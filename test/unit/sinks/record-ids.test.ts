import { checkIds, headerValue, idProblem } from "@arbiter/shared/sinks/record-ids.js";
import { UnsafeIdError } from "@arbiter/shared/sinks/errors/unsafe-id-error.js";
import { fillUrlTemplate } from "@arbiter/shared/sinks/url-template.js";
import { thrown } from "../../support/thrown.js";

test("dot segments, slashes and control characters are unsafe; ordinary ids in any script are not", () => {
  for (const id of ["..", ".", "a/../b", "../admin", "a/b", "a\\b", "a\rb", "a\nSet-Cookie: x", "a\u0000", "a\u007f", "a\u0085", "a\u2028"])
    expect({ id, problem: idProblem(id) }).toEqual({ id, problem: expect.any(String) });
  for (const id of ["post-1", "ポスト1", "пост", "a.b", "😀", "a b", "100%"]) expect(idProblem(id)).toBeUndefined();
  expect(idProblem("")).toBe("is empty");
  expect(idProblem("", true)).toBeUndefined();
});

test("checkIds names the field and the problem", () => {
  const error = thrown(
    () =>
      checkIds([
        ["postId", "ok"],
        ["forumId", "a\r\nb"],
      ]),
    UnsafeIdError,
  );
  expect(error).toMatchObject({ code: "UNSAFE_ID", retriable: false, field: "forumId", message: "forumId contains the control character U+000D" });
});

test("a `..` id would climb the URL path, which is why it is refused", () => {
  // The URL parser resolves the dot segment even though the template encodes the value.
  expect(new URL(fillUrlTemplate("https://forum.example/posts/{postId}/hide", { postId: ".." })).pathname).toBe("/hide");
});

test("header values: printable ASCII kept, the rest percent-encoded as UTF-8, and it decodes back", () => {
  expect(headerValue("dec-1:hide")).toBe("dec-1:hide");
  for (const value of ["ポスト:hide", "a b", "100%", "😀", "Ω\u00e9"]) {
    const encoded = headerValue(value);
    expect(encoded).toMatch(/^[\x21-\x7e]+$/);
    expect(() => new Headers({ "idempotency-key": encoded })).not.toThrow();
    expect(decodeURIComponent(encoded)).toBe(value);
  }
  expect(() => new Headers({ "idempotency-key": "ポスト" })).toThrow();
});
