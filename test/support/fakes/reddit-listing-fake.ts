import { ListingServer } from "./listing-server.js";

// A FAKE of Reddit's two subreddit listings, over real HTTP. Shapes from Reddit's API reference
// (https://www.reddit.com/dev/api, "listings": `after`, `before`, `limit`, `count`) and its
// source (reddit-archive/reddit, r2/r2/lib/jsontemplates.py: ListingJsonTemplate
// `{kind: "Listing", data: {after, before, children, dist}}`; LinkJsonTemplate (t3) and
// CommentJsonTemplate (t1) for each child's `data`):
// - GET /r/{sub}/new.json → t3 children; GET /r/{sub}/comments.json → t1 children; newest first.
// - `after=<fullname>` answers the items after (older than) it; `data.after` is the last child's
//   fullname while more remain, else null.
// - ids are base-36 counters; `name` is the fullname (`t3_<id>`, `t1_<id>`); `created_utc` is seconds.
// - A request without `Authorization: Bearer` on oauth.reddit.com answers 401.

export interface FakeRedditItem {
  kind: "t3" | "t1";
  id: string;
  text: string;
  title?: string;
  author: string;
  createdUtc: number;
  linkId?: string;
}

export class RedditListingFake extends ListingServer {
  readonly links: FakeRedditItem[] = [];
  readonly comments: FakeRedditItem[] = [];
  private next = parseInt("abc000", 36);

  constructor(
    readonly subreddit = "test",
    readonly token = "reddit-token",
  ) {
    super();
  }

  addLinks(n: number): FakeRedditItem[] {
    return Array.from({ length: n }, () => {
      const id = (this.next++).toString(36);
      const item: FakeRedditItem = { kind: "t3", id, title: `title ${id}`, text: `selftext ${id}`, author: `u_${id}`, createdUtc: 1_767_225_600 + this.next };
      this.links.push(item);
      return item;
    });
  }

  addComment(linkId: string, body: string): FakeRedditItem {
    const id = (this.next++).toString(36);
    const item: FakeRedditItem = { kind: "t1", id, text: body, author: `u_c${id}`, createdUtc: 1_767_225_600 + this.next, linkId: `t3_${linkId}` };
    this.comments.push(item);
    return item;
  }

  protected override deny(authorization: string | undefined): number | null {
    return authorization === `Bearer ${this.token}` ? null : 401;
  }

  protected route(path: string, query: URLSearchParams): unknown {
    const list = path === `/r/${this.subreddit}/new.json` ? this.links : path === `/r/${this.subreddit}/comments.json` ? this.comments : undefined;
    if (!list) return undefined;
    const limit = Math.min(100, Number(query.get("limit") ?? "25"));
    const newest = [...list].reverse();
    const after = query.get("after");
    const from = after === null ? 0 : newest.findIndex((i) => `${i.kind}_${i.id}` === after) + 1;
    const page = newest.slice(from, from + limit);
    const more = from + limit < newest.length;
    return {
      kind: "Listing",
      data: {
        after: more && page.length > 0 ? `${page.at(-1)!.kind}_${page.at(-1)!.id}` : null,
        before: null,
        dist: page.length,
        children: page.map((i) => ({
          kind: i.kind,
          data:
            i.kind === "t3"
              ? {
                  id: i.id,
                  name: `t3_${i.id}`,
                  title: i.title,
                  selftext: i.text,
                  author: i.author,
                  author_fullname: `t2_${i.author}`,
                  created_utc: i.createdUtc,
                  subreddit: this.subreddit,
                }
              : {
                  id: i.id,
                  name: `t1_${i.id}`,
                  body: i.text,
                  author: i.author,
                  author_fullname: `t2_${i.author}`,
                  created_utc: i.createdUtc,
                  link_id: i.linkId,
                  parent_id: i.linkId,
                  subreddit: this.subreddit,
                },
        })),
      },
    };
  }
}
