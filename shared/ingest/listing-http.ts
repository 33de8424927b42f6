import { ListingError } from "./ingest-errors.js";

export interface ListingHttp {
  token: string | null;
  userAgent: string;
  timeoutMs: number;
}

/** GET a listing as JSON with the bearer token; a non-2xx is a {@link ListingError} (429 and 5xx retriable, at the next poll). */
export async function getListingJson(url: string, http: ListingHttp): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json", "user-agent": http.userAgent };
  if (http.token !== null) headers.authorization = `Bearer ${http.token}`;
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(http.timeoutMs) });
  if (!response.ok) {
    await response.body?.cancel();
    const path = new URL(url).pathname;
    throw new ListingError(`HTTP_${response.status}`, `GET ${path} answered ${response.status}`, response.status === 429 || response.status >= 500);
  }
  try {
    return await response.json();
  } catch {
    throw new ListingError("NOT_JSON", `GET ${new URL(url).pathname} answered with a body that is not JSON`, true);
  }
}
