import { safeNext, secureCookies } from "@arbiter/shared/console/console-server.js";

// After a login the console sends the moderator to `next`: only ever a path of its own. Browsers
// drop tabs and newlines inside URLs and read a backslash as a slash, so each of these would
// leave the site if passed on as it is.
test.each([
  ["/\t/evil.example", ""],
  ["/\n/evil.example", ""],
  ["/\r\n/evil.example", ""],
  ["//evil.example", ""],
  ["/\\evil.example", ""],
  ["\\\\evil.example", ""],
  ["https://evil.example/tickets", ""],
  ["/ /evil.example", ""],
  ["/\u00a0/evil.example", ""],
  ["javascript:alert(1)", ""],
  ["/mod/../evil", "/mod"],
  ["/other-app/tickets", "/mod"],
  ["", ""],
])("next %j goes to the queue, never off-site (base %j)", (next, base) => {
  expect(safeNext(base, next)).toBe(`${base}/tickets`);
});

test("the login page's own query, /login?next=/%09/evil.example, stays on the site as a browser reads the redirect", () => {
  const decoded = new URLSearchParams("next=/%09/evil.example").get("next");
  const location = safeNext("", decoded);
  // What a browser makes of a Location header: tabs and newlines removed, resolved against the page.
  const followed = new URL(location.replace(/[\t\n\r]/g, ""), "https://console.example/login");
  expect(followed.origin).toBe("https://console.example");
  expect(location).toBe("/tickets");
  expect(safeNext("", "/%09/evil.example")).toBe("/%09/evil.example");
  expect(new URL(safeNext("", "/%09/evil.example"), "https://console.example").origin).toBe("https://console.example");
});

test.each([
  ["/tickets/abc?x=1", "", "/tickets/abc?x=1"],
  ["/mod/tickets/t%3A1", "/mod", "/mod/tickets/t%3A1"],
  ["/tickets/é", "", "/tickets/%C3%A9"],
])("next %j within the console is kept (base %j)", (next, base, expected) => {
  expect(safeNext(base, next)).toBe(expected);
});

test("cookies are Secure by default exactly when the console's public URL is https, unless set", () => {
  expect(secureCookies({ publicUrl: "https://console.example/mod", secureCookies: undefined })).toBe(true);
  expect(secureCookies({ publicUrl: "http://127.0.0.1:8080", secureCookies: undefined })).toBe(false);
  expect(secureCookies({ publicUrl: "http://127.0.0.1:8080", secureCookies: true })).toBe(true);
  expect(secureCookies({ publicUrl: "https://console.example", secureCookies: false })).toBe(false);
});
