import type { Post } from "../codec/records.js";
import { IngestRejection } from "./ingest-errors.js";
import { checkedPost, instantAt, intIdAt, META, objectAt, stringAt, type IngestItem } from "./ingest-item.js";

// A Discourse webhook, as Discourse sends it (discourse/discourse):
// - app/jobs/regular/emit_web_hook_event.rb: the headers `X-Discourse-Event` (the event name:
//   post_created, post_edited, post_destroyed, post_recovered, ...), `X-Discourse-Event-Type`
//   (the group: post, topic, user, ...; `ping` for the test button), `X-Discourse-Instance`, and
//   `X-Discourse-Event-Signature: sha256=<hex HMAC-SHA256 of the body under the secret>` when a
//   secret is set; the body is `{"<event type>": <payload>}`, `{"ping": "OK"}` for a ping.
// - app/serializers/web_hook_post_serializer.rb (< PostSerializer < BasicPostSerializer): the post
//   payload, with `id`, `username`, `created_at`, `updated_at`, `cooked`, `raw` (always included
//   for webhooks), `post_number`, `topic_id`, `topic_title`, `user_id`, `category_id`, `deleted_at`.

/** The Discourse post events the gateway acts on, and what each becomes. */
const POST_EVENTS: Record<string, "post" | "edit" | "deleted"> = {
  post_created: "post",
  // A recovered post is visible again: it is read again like a new one.
  post_recovered: "post",
  post_edited: "edit",
  post_destroyed: "deleted",
};

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** Maps a verified Discourse webhook to what the gateway produces; a bad payload throws a 4xx naming the field. */
export function mapDiscourse(
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
  source: { name: string; forumId: string },
  now: number,
): IngestItem {
  const eventType = header(headers["x-discourse-event-type"]);
  const event = header(headers["x-discourse-event"]);
  if (eventType === "ping") return { kind: "ignored", reason: "ping" };
  if (eventType === undefined) throw new IngestRejection(400, "MISSING_HEADER", 'header "X-Discourse-Event-Type" is missing');
  if (event === undefined) throw new IngestRejection(400, "MISSING_HEADER", 'header "X-Discourse-Event" is missing');
  const what = eventType === "post" ? POST_EVENTS[event] : undefined;
  if (what === undefined) return { kind: "ignored", reason: `event ${eventType}/${event}` };
  const payload = objectAt(objectAt(body, "body").post, "post");
  const id = intIdAt(payload, "id", "post.id");
  // Post.types (app/models/post.rb): 1 regular, 2 moderator_action, 3 small_action, 4 whisper. The
  // system's action notes ("closed this topic") carry no one's words and often no raw at all.
  if (what !== "deleted" && (payload.post_type === 2 || payload.post_type === 3)) return { kind: "ignored", reason: `post_type ${payload.post_type}` };
  if (what === "deleted")
    return { kind: "event", event: { type: "post_deleted", postId: id, forumId: source.forumId, source: source.name, platformEvent: event, receivedAt: now } };
  const post: Post = {
    id,
    forumId: source.forumId,
    authorId: intIdAt(payload, "user_id", "post.user_id", true),
    // `raw` is the author's Markdown; `cooked` is Discourse's HTML of it.
    text: stringAt(payload, "raw", "post.raw"),
    language: null,
    createdAt: instantAt(payload, "created_at", "post.created_at"),
    metadata: {
      [META.source]: source.name,
      [META.platform]: "discourse",
      [META.event]: event,
      ...(what === "edit" ? { [META.edit]: "true" } : {}),
    },
    threadId: payload.topic_id === undefined || payload.topic_id === null ? null : intIdAt(payload, "topic_id", "post.topic_id"),
  };
  return { kind: "post", post: checkedPost(post), edit: what === "edit" };
}
