import type { Post } from "../codec/records.js";
import { ListingError } from "./ingest-errors.js";
import { instantAt, intIdAt, META, objectAt, stringAt } from "./ingest-item.js";
import type { ListedItem, ListingSource } from "./listing-poller.js";
import { getListingJson, type ListingHttp } from "./listing-http.js";

// Lemmy 0.19's listings, as its API publishes them (LemmyNet/lemmy-js-client, src/types/ and
// src/http.ts, generated from the server's structs by ts-rs):
// - GET /api/v3/post/list?sort=New&community_name=&limit=&page= → GetPostsResponse
//   `{posts: PostView[], next_page?}`; PostView `{post: Post, creator, community, counts, ...}`;
//   Post `{id, name, body?, creator_id, community_id, published, updated?, removed, deleted, ap_id, ...}`.
// - GET /api/v3/comment/list?sort=New&type_=All&community_name=&limit=&page= → GetCommentsResponse
//   `{comments: CommentView[]}`; CommentView `{comment: Comment, creator, post, community, ...}`;
//   Comment `{id, creator_id, post_id, content, published, updated?, removed, deleted, path, ...}`.
// - 0.19 takes the JWT as `Authorization: Bearer` (earlier versions took an `auth` parameter).
// `page` counts from 1. Ids are the instance's own and grow as it stores posts, so the cursor is the id.

export interface LemmyListingOptions extends ListingHttp {
  baseUrl: string;
  community: string;
  forumId: string;
  pollerName: string;
  pageSize: number;
}

const lemmyId = (kind: "post" | "comment", id: string | number) => `${kind}:${id}`;

function listingUrl(options: LemmyListingOptions, path: string, page: number): string {
  const url = new URL(path, options.baseUrl);
  url.searchParams.set("sort", "New");
  url.searchParams.set("type_", "All");
  url.searchParams.set("community_name", options.community);
  url.searchParams.set("limit", String(options.pageSize));
  url.searchParams.set("page", String(page));
  return url.toString();
}

function views(body: unknown, field: "posts" | "comments"): Record<string, unknown>[] {
  const list = objectAt(body, "body")[field];
  if (!Array.isArray(list)) throw new ListingError("BAD_LISTING", `Lemmy listing field "${field}" is not an array`, false);
  return list.map((v, i) => objectAt(v, `${field}[${i}]`));
}

const metadata = (options: LemmyListingOptions, kind: "post" | "comment"): Record<string, string> => ({
  [META.source]: options.pollerName,
  [META.platform]: "lemmy",
  [META.kind]: kind,
  [META.event]: "created",
});

/** Maps one PostView; removed or deleted posts pass with no post. */
export function lemmyPostItem(view: Record<string, unknown>, options: LemmyListingOptions): ListedItem {
  const p = objectAt(view.post, "post");
  const id = intIdAt(p, "id", "post.id");
  if (p.removed === true || p.deleted === true) return { seq: Number(id), post: null };
  const title = stringAt(p, "name", "post.name");
  const body = typeof p.body === "string" && p.body.trim() !== "" ? `\n\n${p.body}` : "";
  const post: Post = {
    id: lemmyId("post", id),
    forumId: options.forumId,
    authorId: intIdAt(p, "creator_id", "post.creator_id"),
    text: title + body,
    language: null,
    createdAt: instantAt(p, "published", "post.published"),
    metadata: metadata(options, "post"),
    threadId: lemmyId("post", id),
  };
  return { seq: Number(id), post };
}

/** Maps one CommentView; removed or deleted comments pass with no post. */
export function lemmyCommentItem(view: Record<string, unknown>, options: LemmyListingOptions): ListedItem {
  const c = objectAt(view.comment, "comment");
  const id = intIdAt(c, "id", "comment.id");
  if (c.removed === true || c.deleted === true) return { seq: Number(id), post: null };
  const post: Post = {
    id: lemmyId("comment", id),
    forumId: options.forumId,
    authorId: intIdAt(c, "creator_id", "comment.creator_id"),
    text: stringAt(c, "content", "comment.content"),
    language: null,
    createdAt: instantAt(c, "published", "comment.published"),
    metadata: metadata(options, "comment"),
    threadId: lemmyId("post", intIdAt(c, "post_id", "comment.post_id")),
  };
  return { seq: Number(id), post };
}

/** An item mapped, or passed with its problem when its id can be read (else dropped: it has no place in the order). */
function guarded(view: Record<string, unknown>, listing: "posts" | "comments", item: typeof lemmyPostItem, options: LemmyListingOptions): ListedItem[] {
  try {
    return [item(view, options)];
  } catch (error) {
    const inner = view[listing === "posts" ? "post" : "comment"];
    const id = typeof inner === "object" && inner !== null ? (inner as Record<string, unknown>).id : undefined;
    return typeof id === "number" && Number.isSafeInteger(id) ? [{ seq: id, post: null, problem: (error as Error).message }] : [];
  }
}

/** A Lemmy community's posts and comments, each sorted New. */
export function lemmyListings(options: LemmyListingOptions): ListingSource[] {
  const source = (listing: "posts" | "comments", path: string, item: typeof lemmyPostItem): ListingSource => ({
    listing,
    page: async (token) => {
      const page = token === null ? 1 : Number(token);
      const items = views(await getListingJson(listingUrl(options, path, page), options), listing).flatMap((v) => guarded(v, listing, item, options));
      return { items, next: items.length < options.pageSize ? null : String(page + 1) };
    },
  });
  return [source("posts", "/api/v3/post/list", lemmyPostItem), source("comments", "/api/v3/comment/list", lemmyCommentItem)];
}
