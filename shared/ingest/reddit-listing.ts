import type { Post } from "../codec/records.js";
import { META, objectAt, stringAt } from "./ingest-item.js";
import { ListingError, payloadError } from "./ingest-errors.js";
import type { ListedItem, ListingSource } from "./listing-poller.js";
import { getListingJson, type ListingHttp } from "./listing-http.js";

// Reddit's listings, as its API reference (https://www.reddit.com/dev/api, "listings") and its
// source (reddit-archive/reddit r2/r2/lib/jsontemplates.py: ListingJsonTemplate, LinkJsonTemplate,
// CommentJsonTemplate) give them:
// - GET /r/{sub}/new.json and /r/{sub}/comments.json on https://oauth.reddit.com with
//   `Authorization: Bearer <token>`, `limit` (at most 100), `after`/`before` (a fullname), `raw_json=1`.
// - `{kind: "Listing", data: {after, before, children: [{kind: "t3"|"t1", data}]}}`, newest first.
// - t3 (a link) data: `id` (base 36), `name` (the fullname `t3_<id>`), `title`, `selftext`,
//   `author`, `author_fullname`, `created_utc` (seconds), `subreddit`, `removed_by_category`.
//   t1 (a comment) data: `id`, `name`, `body`, `author`, `author_fullname`, `link_id`, `parent_id`, `created_utc`.
// Ids are base-36 counters, so the cursor is the id as a number. Paging goes back with `after`;
// `before=<cursor>` is not used, as it answers nothing once the cursor's item is deleted.

export interface RedditListingOptions extends ListingHttp {
  baseUrl: string;
  community: string;
  forumId: string;
  pollerName: string;
  pageSize: number;
}

const GONE = new Set(["[deleted]", "[removed]"]);

/** A base-36 Reddit id as a number (the listing's order). */
export function redditSeq(id: string, field: string): number {
  if (!/^[0-9a-z]{1,10}$/.test(id)) throw payloadError(field, "must be a base-36 Reddit id");
  return parseInt(id, 36);
}

/** Maps one listing child (t3 or t1); deleted or removed items pass with no post. */
export function redditItem(child: unknown, index: number, options: RedditListingOptions): ListedItem {
  const c = objectAt(child, `children[${index}]`);
  const kind = c.kind;
  if (kind !== "t3" && kind !== "t1") throw payloadError(`children[${index}].kind`, 'must be "t3" or "t1"');
  const d = objectAt(c.data, `children[${index}].data`);
  const at = (field: string) => `children[${index}].data.${field}`;
  const seq = redditSeq(stringAt(d, "id", at("id")), at("id"));
  const name = stringAt(d, "name", at("name"));
  const text =
    kind === "t3"
      ? [stringAt(d, "title", at("title")), typeof d.selftext === "string" ? d.selftext : ""].filter((s) => s.trim() !== "").join("\n\n")
      : stringAt(d, "body", at("body"));
  const author = typeof d.author_fullname === "string" ? d.author_fullname : stringAt(d, "author", at("author"));
  if (GONE.has(text.trim()) || GONE.has(author) || (typeof d.removed_by_category === "string" && d.removed_by_category !== "")) return { seq, post: null };
  const created = d.created_utc;
  if (typeof created !== "number" || !Number.isFinite(created) || created < 0) throw payloadError(at("created_utc"), "must be a number of epoch seconds");
  const post: Post = {
    id: name,
    forumId: options.forumId,
    authorId: author,
    text,
    language: null,
    createdAt: Math.round(created * 1000),
    metadata: { [META.source]: options.pollerName, [META.platform]: "reddit", [META.kind]: kind === "t3" ? "post" : "comment", [META.event]: "created" },
    threadId: kind === "t3" ? name : stringAt(d, "link_id", at("link_id")),
  };
  return { seq, post };
}

/** A subreddit's new posts and new comments. */
export function redditListings(options: RedditListingOptions): ListingSource[] {
  const source = (listing: "posts" | "comments", path: string): ListingSource => ({
    listing,
    page: async (token) => {
      const url = new URL(`/r/${encodeURIComponent(options.community)}/${path}`, options.baseUrl);
      url.searchParams.set("limit", String(options.pageSize));
      url.searchParams.set("raw_json", "1");
      if (token !== null) url.searchParams.set("after", token);
      const body = objectAt(await getListingJson(url.toString(), options), "body");
      if (body.kind !== "Listing") throw new ListingError("BAD_LISTING", 'Reddit answer field "kind" is not "Listing"', false);
      const data = objectAt(body.data, "data");
      if (!Array.isArray(data.children)) throw new ListingError("BAD_LISTING", 'Reddit listing field "data.children" is not an array', false);
      const items = data.children.flatMap((child, i): ListedItem[] => {
        try {
          return [redditItem(child, i, options)];
        } catch (error) {
          const id = (child as { data?: { id?: unknown } } | null)?.data?.id;
          return typeof id === "string" && /^[0-9a-z]{1,10}$/.test(id) ? [{ seq: parseInt(id, 36), post: null, problem: (error as Error).message }] : [];
        }
      });
      return { items, next: typeof data.after === "string" && data.after !== "" ? data.after : null };
    },
  });
  return [source("posts", "new.json"), source("comments", "comments.json")];
}
