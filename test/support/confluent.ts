// The Kafka ecosystem's side of the Confluent wire format, for tests: @kafkajs/confluent-schema-registry
// (a dev dependency; the worker does not use it), so what Arbiter reads and writes is checked
// against an implementation that is not Arbiter's.
import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";

/** A registry client as a forum backend or a Kafka Connect sink would hold one: it knows only the URL. */
export function ecosystemRegistry(url: string): SchemaRegistry {
  return new SchemaRegistry({ host: url });
}

/** Registers a producer's own Avro schema under `subject` (as its serializer would, under `<topic>-value`); returns the id. */
export async function registerProducerSchema(registry: SchemaRegistry, subject: string, schema: object): Promise<number> {
  return (await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject })).id;
}

/** A subject's compatibility level, as an operator would set it (the registry's global default here is NONE). */
export async function setSubjectCompatibility(url: string, subject: string, level: "BACKWARD" | "FULL" | "NONE"): Promise<void> {
  const response = await fetch(`${url}/config/${encodeURIComponent(subject)}`, {
    method: "PUT",
    headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
    body: JSON.stringify({ compatibility: level }),
  });
  if (!response.ok) throw new Error(`PUT /config/${subject}: ${response.status} ${await response.text()}`);
}

/** The subjects the registry holds. */
export async function subjects(url: string): Promise<string[]> {
  return (await (await fetch(`${url}/subjects`)).json()) as string[];
}

/** A forum backend's own Post schema: other names for text and forum, a nullable body, a field Arbiter does not read, its own record name. */
export const forumPostSchema = {
  type: "record",
  name: "ForumPost",
  namespace: "com.example.forum",
  fields: [
    { name: "id", type: "string" },
    { name: "community", type: "string" },
    { name: "authorId", type: "string" },
    { name: "body", type: ["null", "string"], default: null },
    { name: "createdAt", type: { type: "long", logicalType: "timestamp-millis" } },
    { name: "likes", type: "int", default: 0 },
  ],
};

/** The next version of that schema (a new optional field): a new id under the same subject. */
export const forumPostSchemaV2 = { ...forumPostSchema, fields: [...forumPostSchema.fields, { name: "editedAt", type: ["null", "long"], default: null }] };

/** What Arbiter reads the forum schema through. */
export const forumFieldMap = { text: "body", forumId: "community" } as const;

export interface ForumPost {
  id: string;
  community: string;
  authorId: string;
  body: string | null;
  createdAt: number;
  likes: number;
  editedAt?: number | null;
}

export function forumPost(id: string, body: string | null, community = "games"): ForumPost {
  return { id, community, authorId: `author-${id}`, body, createdAt: Date.now(), likes: 7 };
}
