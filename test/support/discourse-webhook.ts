// A Discourse `post` webhook as Discourse builds it: the body `{"post": <payload>}`
// (app/jobs/regular/emit_web_hook_event.rb, build_webhook_body) with the attributes of
// app/serializers/web_hook_post_serializer.rb and its parents PostSerializer and BasicPostSerializer.
export function discoursePost(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 4123,
    name: "Ann Example",
    username: "ann",
    avatar_template: "/user_avatar/forum.example/ann/{size}/3_2.png",
    created_at: "2026-01-05T10:20:30.123Z",
    cooked: "<p>hello there</p>",
    post_number: 3,
    post_type: 1,
    updated_at: "2026-01-05T10:20:30.123Z",
    reply_count: 0,
    reply_to_post_number: null,
    quote_count: 0,
    incoming_link_count: 0,
    reads: 1,
    score: 0,
    topic_id: 77,
    topic_slug: "welcome",
    topic_title: "Welcome",
    category_id: 4,
    display_username: "Ann Example",
    version: 1,
    user_id: 19,
    hidden: false,
    trust_level: 1,
    deleted_at: null,
    user_deleted: false,
    raw: "hello there",
    topic_posts_count: 3,
    topic_filtered_posts_count: 3,
    topic_archetype: "regular",
    category_slug: "general",
    ...overrides,
  };
}

/** The headers Discourse sends with a post event (emit_web_hook_event.rb, build_webhook_headers). */
export function discourseHeaders(event: string, type = "post"): Record<string, string> {
  return {
    "x-discourse-instance": "https://forum.example",
    "x-discourse-event-id": "981",
    "x-discourse-event-type": type,
    "x-discourse-event": event,
  };
}
