import { hashPassword } from "@arbiter/shared/console/password-hash.js";

/** Moderators for console tests, with the `console.moderators` setting that lets them in. */
export const testModerators = { alice: "correct horse battery staple", bob: "another long password", carol: "a third long password" } as const;

/** What each may do: alice is an admin, bob moderates games and market, carol only cooking. */
const grants: Record<keyof typeof testModerators, string> = { alice: "admin", bob: "moderator:games|market", carol: "moderator:cooking" };

export async function moderatorsSetting(): Promise<string> {
  const lines = await Promise.all(
    Object.entries(testModerators).map(
      async ([name, password]) => `${name}:${await hashPassword(password, { N: 1024, r: 8, p: 1 })}:${grants[name as keyof typeof testModerators]}`,
    ),
  );
  return lines.join("\n");
}

export const testSessionSecret = "a-test-session-secret-of-at-least-32-characters";

/** A browser's worth of HTTP for the console: a cookie jar, no redirects followed, the last page's CSRF token. */
export class ConsoleSession {
  private readonly cookies = new Map<string, string>();
  csrf = "";

  constructor(readonly baseUrl: string) {}

  async request(
    method: string,
    path: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; location: string | null; text: string; headers: Headers }> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      redirect: "manual",
      headers: { ...(cookie ? { cookie } : {}), ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}), ...headers },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const value = pair!.slice(eq + 1);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === "") this.cookies.delete(pair!.slice(0, eq));
      else this.cookies.set(pair!.slice(0, eq), value);
    }
    const text = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text);
    if (token) this.csrf = token[1]!;
    return { status: response.status, location: response.headers.get("location"), text, headers: response.headers };
  }

  /** The session id its cookie carries (the signature cut off). */
  get sessionId(): string | undefined {
    const raw = this.cookies.get("arbiter_console");
    return raw === undefined ? undefined : decodeURIComponent(raw).replace(/\.[^.]*$/, "");
  }

  /** The same cookies (the same session), sent to another console's address. */
  at(baseUrl: string): ConsoleSession {
    const other = new ConsoleSession(baseUrl);
    for (const [k, v] of this.cookies) other.cookies.set(k, v);
    return other;
  }

  get(path: string) {
    return this.request("GET", path);
  }

  /** A form post carrying the CSRF token of the last page read. */
  post(path: string, form: Record<string, string> = {}) {
    return this.request("POST", path, { _csrf: this.csrf, ...form });
  }

  async login(name: string, password: string): Promise<void> {
    await this.get("/login");
    const res = await this.post("/login", { name, password, next: "/tickets" });
    if (res.status !== 303) throw new Error(`login as ${name} answered ${res.status}`);
  }
}
