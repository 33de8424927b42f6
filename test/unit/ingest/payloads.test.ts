import { mapDiscourse } from "@arbiter/shared/ingest/discourse-payload.js";
import { mapGeneric } from "@arbiter/shared/ingest/generic-payload.js";
import { IngestRejection } from "@arbiter/shared/ingest/ingest-errors.js";
import { discourseHeaders, discoursePost } from "../../support/discourse-webhook.js";

const source = { name: "forum-a", forumId: "forum-a" };
const NOW = 1_767_600_000_000;

function rejection(fn: () => unknown): IngestRejection {
  try {
    fn();
  } catch (error) {
    if (error instanceof IngestRejection) return error;
    throw error;
  }
  throw new Error("did not throw");
}

describe("mapDiscourse", () => {
  it("maps post_created to a Post keyed by the Discourse post id, text from raw", () => {
    const item = mapDiscourse(discourseHeaders("post_created"), { post: discoursePost() }, source, NOW);
    expect(item).toEqual({
      kind: "post",
      edit: false,
      post: {
        id: "4123",
        forumId: "forum-a",
        authorId: "19",
        text: "hello there",
        language: null,
        createdAt: Date.parse("2026-01-05T10:20:30.123Z"),
        threadId: "77",
        metadata: { "ingest.source": "forum-a", "ingest.platform": "discourse", "ingest.event": "post_created" },
      },
    });
  });

  it("takes a post of the system user (a negative user id)", () => {
    const item = mapDiscourse(discourseHeaders("post_created"), { post: discoursePost({ user_id: -1 }) }, source, NOW);
    expect(item.kind === "post" && item.post.authorId).toBe("-1");
  });

  it("marks post_edited as an edit in the metadata", () => {
    const item = mapDiscourse(discourseHeaders("post_edited"), { post: discoursePost({ raw: "edited text" }) }, source, NOW);
    expect(item.kind === "post" && item.edit).toBe(true);
    expect(item.kind === "post" && item.post.metadata["ingest.edit"]).toBe("true");
    expect(item.kind === "post" && item.post.text).toBe("edited text");
  });

  it("records post_destroyed as a deletion event, not a post", () => {
    expect(mapDiscourse(discourseHeaders("post_destroyed"), { post: discoursePost({ deleted_at: "2026-01-06T00:00:00Z" }) }, source, NOW)).toEqual({
      kind: "event",
      event: { type: "post_deleted", postId: "4123", forumId: "forum-a", source: "forum-a", platformEvent: "post_destroyed", receivedAt: NOW },
    });
  });

  it("ignores a ping and events that are not about posts", () => {
    expect(mapDiscourse(discourseHeaders("ping", "ping"), { ping: "OK" }, source, NOW).kind).toBe("ignored");
    expect(mapDiscourse(discourseHeaders("topic_created", "topic"), { topic: { id: 1 } }, source, NOW).kind).toBe("ignored");
    expect(mapDiscourse(discourseHeaders("post_liked"), { post: discoursePost() }, source, NOW).kind).toBe("ignored");
    // A small action ("closed this topic") has no raw of anyone's: ignored, not refused (Discourse would retry a 4xx).
    expect(mapDiscourse(discourseHeaders("post_created"), { post: discoursePost({ post_type: 3, raw: "" }) }, source, NOW)).toEqual({
      kind: "ignored",
      reason: "post_type 3",
    });
  });

  it.each([
    [{ post: discoursePost({ raw: undefined }) }, 'field "post.raw" is missing'],
    [{ post: discoursePost({ raw: "   " }) }, 'field "post.raw" must be a non-blank string'],
    [{ post: discoursePost({ id: "12" }) }, 'field "post.id" must be a non-negative integer'],
    [{ post: discoursePost({ user_id: undefined }) }, 'field "post.user_id" is missing'],
    [{ post: discoursePost({ user_id: 1.5 }) }, 'field "post.user_id" must be an integer'],
    [{ post: discoursePost({ id: -4 }) }, 'field "post.id" must be a non-negative integer'],
    [{ post: discoursePost({ created_at: "yesterday" }) }, 'field "post.created_at" must be an ISO-8601 date-time'],
    [{ topic: {} }, 'field "post" must be an object'],
    [[1, 2], 'field "body" must be an object'],
  ])("refuses a bad payload with 422 naming the field (%#)", (body, message) => {
    const error = rejection(() => mapDiscourse(discourseHeaders("post_created"), body, source, NOW));
    expect(error.status).toBe(422);
    expect(error.message).toBe(message);
  });

  it("refuses a request without the event headers with 400 naming the header", () => {
    const { "x-discourse-event": _e, ...headers } = discourseHeaders("post_created");
    const error = rejection(() => mapDiscourse(headers, { post: discoursePost() }, source, NOW));
    expect([error.status, error.message]).toEqual([400, 'header "X-Discourse-Event" is missing']);
  });

  it("refuses text the pipeline could not read (a lone surrogate) with the field named", () => {
    const error = rejection(() => mapDiscourse(discourseHeaders("post_created"), { post: discoursePost({ raw: "bad \uD800 text" }) }, source, NOW));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/text holds a lone surrogate/);
  });
});

describe("mapGeneric", () => {
  it("maps a created post, the forum from the source, createdAt defaulting to now", () => {
    const item = mapGeneric({ id: "p-1", text: "some words", authorId: "u-9", threadId: "t-3", metadata: { lang: "en" } }, source, NOW);
    expect(item).toEqual({
      kind: "post",
      edit: false,
      post: {
        id: "p-1",
        forumId: "forum-a",
        authorId: "u-9",
        text: "some words",
        language: null,
        createdAt: NOW,
        threadId: "t-3",
        metadata: { lang: "en", "ingest.source": "forum-a", "ingest.platform": "generic", "ingest.event": "created" },
      },
    });
  });

  it("marks an edit and records a deletion", () => {
    const edit = mapGeneric({ event: "edited", id: "p-1", text: "new", authorId: "u", createdAt: 5 }, source, NOW);
    expect(edit.kind === "post" && [edit.edit, edit.post.metadata["ingest.edit"], edit.post.createdAt]).toEqual([true, "true", 5]);
    expect(mapGeneric({ event: "deleted", id: "p-1" }, source, NOW)).toMatchObject({ kind: "event", event: { type: "post_deleted", postId: "p-1" } });
  });

  it.each([
    [{ text: "x", authorId: "u" }, 'field "id" is missing'],
    [{ id: "p", authorId: "u" }, 'field "text" is missing'],
    [{ id: "p", text: 3, authorId: "u" }, 'field "text" must be a string'],
    [{ id: "p", text: "x" }, 'field "authorId" is missing'],
    [{ event: "deleted", id: "p".repeat(513) }, 'field "id" has 513 characters, more than 512'],
    [{ id: "p", text: "x", authorId: "u", createdAt: "now" }, 'field "createdAt" must be an integer of epoch milliseconds'],
    [{ id: "p", text: "x", authorId: "u", event: "moved" }, 'field "event" must be "created", "edited" or "deleted"'],
    [{ id: "p", text: "x", authorId: "u", metadata: { a: 1 } }, 'field "metadata.a" must be a string'],
    [
      { id: "p", text: "x", authorId: "u", metadata: { "ingest.edit": "true" } },
      `field "metadata.ingest.edit" is reserved: keys starting "ingest." are the gateway's`,
    ],
  ])("refuses %j with 422 naming the field", (body, message) => {
    const error = rejection(() => mapGeneric(body, source, NOW));
    expect([error.status, error.message]).toEqual([422, message]);
  });

  it("refuses empty text with the pipeline's own message", () => {
    expect(rejection(() => mapGeneric({ id: "p", text: "  ", authorId: "u" }, source, NOW)).message).toBe("post p has empty text");
  });
});
