/** What a masked credential reads as, in logs and messages alike. */
export const REDACTED = "[Redacted]";

// `scheme://user:password@host`: everything up to the last `@` of the URL, so a password holding
// an unescaped `@`, `/` or `#` is masked whole (a URL with an `@` in its path loses a little more).
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>]*@/gi;
// Query parameters that carry a credential (`?token=…`, `&api_key=…`, `&X-Amz-Signature=…`).
const QUERY_SECRET = /([?&](?:[a-z0-9_.-]*[_.-])?(?:token|password|passwd|pwd|secret|api[_-]?key|apikey|key|sig|signature|credential|auth)=)[^&\s#"'<>]*/gi;

/**
 * `text` with the credentials of any URL in it masked: the userinfo (`redis://user:pass@host` →
 * `redis://[Redacted]@host`) and credential-like query parameters (`?token=[Redacted]`).
 * For error messages and log lines, which may quote a URL from a setting or a library's error.
 */
export function maskCredentials(text: string): string {
  if (!text.includes("://") && !text.includes("=")) return text;
  return text.replace(URL_USERINFO, `$1${REDACTED}@`).replace(QUERY_SECRET, `$1${REDACTED}`);
}
