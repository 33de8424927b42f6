import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DSA_CATEGORIES, DSA_KEYWORDS } from "@arbiter/shared/policy/dsa-mapping.js";

/*
 * A FAKE of the EU DSA Transparency Database API (the statements of reasons endpoint), for tests.
 * Everything it checks is written from the database's published source and API documentation
 * (github.com/digital-services-act/transparency-database), read, not copied:
 *
 * - route `POST /api/v1/statements` (routes/api_v1.php: `statements` → StatementMultipleAPIController@store),
 *   behind `auth:sanctum`: `Authorization: Bearer TOKEN` (api-documentation.md, "Creating a Statement");
 *   without a valid token Laravel Sanctum answers 401 {"message":"Unauthenticated."};
 * - the body `{statements: [...]}` with 1 to 100 statements (the controller's
 *   `'statements' => 'required|array|between:1,100'`; api-documentation.md: "100 statements per call");
 * - each statement against the rules of GroupedSubmissionsService::multi_rules (the same as
 *   app/Http/Requests/StatementStoreRequest.php), the enums from app/Models/Statement.php and
 *   app/Services/EuropeanCountriesService.php; a failure is 422 with
 *   `{errors: {statement_<index>: {<field>: [messages]}}}` (GroupedSubmissionsService::sanitizePayload);
 * - a puid the platform already used is 422 `{message, errors: {puid: [...], existing_puids: [...]}}`
 *   (PuidNotUniqueMultipleException::getJsonResponse; api-documentation.md: "Existing PUID");
 * - success is 201 `{statements: [...]}` with each statement's uuid (api-documentation.md, the multiple endpoint).
 */

const DECISION_VISIBILITIES = [
  "DECISION_VISIBILITY_CONTENT_REMOVED",
  "DECISION_VISIBILITY_CONTENT_DISABLED",
  "DECISION_VISIBILITY_CONTENT_DEMOTED",
  "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
  "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
  "DECISION_VISIBILITY_CONTENT_LABELLED",
  "DECISION_VISIBILITY_OTHER",
];
const DECISION_GROUNDS = ["DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"];
const CONTENT_TYPES = [
  "CONTENT_TYPE_APP",
  "CONTENT_TYPE_AUDIO",
  "CONTENT_TYPE_IMAGE",
  "CONTENT_TYPE_PRODUCT",
  "CONTENT_TYPE_SYNTHETIC_MEDIA",
  "CONTENT_TYPE_TEXT",
  "CONTENT_TYPE_VIDEO",
  "CONTENT_TYPE_OTHER",
];
const SOURCE_TYPES = ["SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY"];
const AUTOMATED_DETECTIONS = ["Yes", "No"];
const AUTOMATED_DECISIONS = ["AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"];
const COUNTRIES = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK".split(" ");

/** Laravel's `date_format:Y-m-d` and the after/before bounds of the rules. */
function dateProblem(value: unknown, after: string): string | null {
  if (
    typeof value !== "string" ||
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(Date.parse(value)) ||
    new Date(value).toISOString().slice(0, 10) !== value
  )
    return "does not match the format YYYY-MM-DD.";
  if (value < after) return `must be a date after or equal to ${after}.`;
  if (value > "2038-01-01") return "must be a date before or equal to 2038-01-01.";
  return null;
}

/** The rules of one statement, field by field; an empty object when it passes. */
export function validateStatement(s: Record<string, unknown>): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const fail = (field: string, message: string) => (errors[field] ??= []).push(`The ${field.replace(/_/g, " ")} ${message}`);
  const present = (field: string) => s[field] !== undefined && s[field] !== null && s[field] !== "";
  const str = (field: string) => (typeof s[field] === "string" ? (s[field] as string) : "");
  // Laravel's max:N on a string counts characters (mb_strlen).
  const max = (field: string, n: number) =>
    present(field) && [...String(s[field])].length > n && fail(field, `field must not be greater than ${n} characters.`);
  const inList = (field: string, allowed: readonly string[]) => {
    if (!present(field)) return;
    const values = Array.isArray(s[field]) ? (s[field] as unknown[]) : [s[field]];
    if (values.some((v) => typeof v !== "string" || !allowed.includes(v))) fail(field, "is invalid.");
  };
  const array = (field: string) => present(field) && !Array.isArray(s[field]) && fail(field, "field must be an array.");
  const required = (field: string) => !present(field) && fail(field, "field is required.");

  // decision_visibility: array, in, required_without_all the other restriction kinds (Arbiter sends none of them).
  array("decision_visibility");
  inList("decision_visibility", DECISION_VISIBILITIES);
  if (!present("decision_visibility") && !present("decision_monetary") && !present("decision_provision") && !present("decision_account"))
    fail("decision_visibility", "field is required when none of decision monetary / decision provision / decision account are present.");
  const visibility = Array.isArray(s.decision_visibility) ? (s.decision_visibility as unknown[]) : [];
  if (visibility.includes("DECISION_VISIBILITY_OTHER")) required("decision_visibility_other");
  max("decision_visibility_other", 500);

  required("decision_ground");
  inList("decision_ground", DECISION_GROUNDS);
  if (present("decision_ground_reference_url")) {
    let ok = false;
    try {
      ok = ["http:", "https:"].includes(new URL(str("decision_ground_reference_url")).protocol);
    } catch {
      ok = false;
    }
    if (!ok) fail("decision_ground_reference_url", "field must be a valid URL.");
  }
  max("decision_ground_reference_url", 500);
  if (s.decision_ground === "DECISION_GROUND_ILLEGAL_CONTENT") {
    required("illegal_content_legal_ground");
    required("illegal_content_explanation");
  }
  if (s.decision_ground === "DECISION_GROUND_INCOMPATIBLE_CONTENT") {
    required("incompatible_content_ground");
    required("incompatible_content_explanation");
    inList("incompatible_content_illegal", ["Yes", "No"]);
  }
  max("illegal_content_legal_ground", 500);
  max("illegal_content_explanation", 2000);
  max("incompatible_content_ground", 500);
  max("incompatible_content_explanation", 2000);

  required("content_type");
  array("content_type");
  inList("content_type", CONTENT_TYPES);
  if (Array.isArray(s.content_type) && s.content_type.includes("CONTENT_TYPE_OTHER")) required("content_type_other");
  max("content_type_other", 500);

  required("category");
  inList("category", DSA_CATEGORIES);
  array("category_addition");
  inList("category_addition", DSA_CATEGORIES);
  array("category_specification");
  inList("category_specification", DSA_KEYWORDS);
  max("category_specification_other", 500);

  array("territorial_scope");
  inList("territorial_scope", COUNTRIES);

  required("content_date");
  if (present("content_date")) {
    const problem = dateProblem(s.content_date, "2000-01-01");
    if (problem) fail("content_date", problem);
  }
  required("application_date");
  if (present("application_date")) {
    const problem = dateProblem(s.application_date, "2020-01-01");
    if (problem) fail("application_date", problem);
  }

  required("decision_facts");
  max("decision_facts", 5000);
  required("source_type");
  inList("source_type", SOURCE_TYPES);
  max("source_identity", 500);
  required("automated_detection");
  inList("automated_detection", AUTOMATED_DETECTIONS);
  required("automated_decision");
  inList("automated_decision", AUTOMATED_DECISIONS);

  // puid: required, max:500, regex:/^[a-zA-Z0-9-_]+$/D (the D: no trailing newline slips past $).
  required("puid");
  max("puid", 500);
  if (present("puid") && !/^[a-zA-Z0-9_-]+$/.test(str("puid"))) fail("puid", "format is invalid.");
  return errors;
}

/** A fake Transparency Database over real HTTP: see the file's head for where each answer comes from. */
export class FakeTransparencyDatabase {
  /** Statements accepted, in order. */
  readonly accepted: Record<string, unknown>[] = [];
  /** Every call's status. */
  readonly statuses: number[] = [];
  private readonly puids = new Set<string>();
  private failures: number[] = [];
  private server: Server | null = null;
  private port = 0;

  constructor(private readonly token: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/api/v1/statements`;
  }

  /** The next calls answer these statuses (a 503 while the database is down) before any checking. */
  failNext(statuses: number[]): void {
    this.failures.push(...statuses);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const answer = (status: number, body: unknown) => {
          this.statuses.push(status);
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        };
        if (req.method !== "POST" || req.url !== "/api/v1/statements") return answer(404, { message: "Not Found" });
        if (req.headers.authorization !== `Bearer ${this.token}`) return answer(401, { message: "Unauthenticated." });
        const failure = this.failures.shift();
        if (failure !== undefined) return answer(failure, { message: "Service Unavailable" });
        let body: { statements?: unknown };
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { statements?: unknown };
        } catch {
          return answer(400, { message: "malformed JSON" });
        }
        const list = body.statements;
        if (!Array.isArray(list) || list.length < 1 || list.length > 100)
          return answer(422, {
            message: "The statements field must have between 1 and 100 items.",
            errors: { statements: ["The statements field must have between 1 and 100 items."] },
          });
        const errors: Record<string, Record<string, string[]>> = {};
        list.forEach((s, i) => {
          const e = validateStatement((s ?? {}) as Record<string, unknown>);
          if (Object.keys(e).length > 0) errors[`statement_${i}`] = e;
        });
        if (Object.keys(errors).length > 0) return answer(422, { errors });
        const puids = list.map((s) => String((s as { puid: string }).puid));
        const duplicates = puids.filter((p, i) => this.puids.has(p) || puids.indexOf(p) !== i);
        if (duplicates.length > 0)
          return answer(422, {
            message: `The identifier given is not unique within this call or platform.`,
            errors: { puid: ["The identifier given is not unique within this call or platform."], existing_puids: duplicates },
          });
        const created = list.map((s) => ({ ...(s as Record<string, unknown>), uuid: randomUUID() }));
        for (const p of puids) this.puids.add(p);
        this.accepted.push(...created);
        return answer(201, { statements: created });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
