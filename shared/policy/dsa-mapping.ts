import type { FrontMatterValue } from "./front-matter.js";

/*
 * The words of the EU's DSA Transparency Database that a policy's front matter may name, and
 * the parsing of its `dsa:` block. The lists are the keys of the constants in the database's
 * own source (github.com/digital-services-act/transparency-database, app/Models/Statement.php:
 * STATEMENT_CATEGORIES and KEYWORDS), the values its API accepts (StatementStoreRequest's
 * `category` and `category_specification` rules: `in:` those keys).
 */

/** `category`: Statement::STATEMENT_CATEGORIES. */
export const DSA_CATEGORIES = [
  "STATEMENT_CATEGORY_ANIMAL_WELFARE",
  "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
  "STATEMENT_CATEGORY_CYBER_VIOLENCE",
  "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
  "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
  "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
  "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
  "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
  "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
  "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
  "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
  "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
  "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
  "STATEMENT_CATEGORY_SELF_HARM",
  "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
  "STATEMENT_CATEGORY_VIOLENCE",
] as const;
export type DsaCategory = (typeof DSA_CATEGORIES)[number];

/** `category_specification`: Statement::KEYWORDS. */
export const DSA_KEYWORDS = [
  "KEYWORD_ADULT_SEXUAL_MATERIAL",
  "KEYWORD_AGE_SPECIFIC_RESTRICTIONS",
  "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS",
  "KEYWORD_ANIMAL_HARM",
  "KEYWORD_BIOMETRIC_DATA_BREACH",
  "KEYWORD_BULLYING_AGAINST_GIRLS",
  "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
  "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE",
  "KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS",
  "KEYWORD_COORDINATED_HARM",
  "KEYWORD_COPYRIGHT_INFRINGEMENT",
  "KEYWORD_CYBER_BULLYING_INTIMIDATION",
  "KEYWORD_CYBER_HARASSMENT",
  "KEYWORD_CYBER_HARASSMENT_AGAINST_WOMEN",
  "KEYWORD_CYBER_INCITEMENT",
  "KEYWORD_CYBER_STALKING",
  "KEYWORD_CYBER_STALKING_AGAINST_WOMEN",
  "KEYWORD_DATA_FALSIFICATION",
  "KEYWORD_DEFAMATION",
  "KEYWORD_DESIGN_INFRINGEMENT",
  "KEYWORD_DISCRIMINATION",
  "KEYWORD_FEMALE_GENDERED_DISINFORMATION",
  "KEYWORD_GEOGRAPHICAL_REQUIREMENTS",
  "KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT",
  "KEYWORD_GOODS_SERVICES_NOT_PERMITTED",
  "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
  "KEYWORD_HATE_SPEECH",
  "KEYWORD_HIDDEN_ADVERTISEMENT",
  "KEYWORD_HUMAN_EXPLOITATION",
  "KEYWORD_HUMAN_TRAFFICKING",
  "KEYWORD_ILLEGAL_ORGANIZATIONS",
  "KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING",
  "KEYWORD_INAUTHENTIC_ACCOUNTS",
  "KEYWORD_INAUTHENTIC_LISTINGS",
  "KEYWORD_INAUTHENTIC_USER_REVIEWS",
  "KEYWORD_INCITEMENT_AGAINST_WOMEN",
  "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
  "KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS",
  "KEYWORD_LANGUAGE_REQUIREMENTS",
  "KEYWORD_MISINFORMATION_DISINFORMATION",
  "KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS",
  "KEYWORD_MISLEADING_INFO_GOODS_SERVICES",
  "KEYWORD_MISSING_PROCESSING_GROUND",
  "KEYWORD_NONCOMPLIANCE_PRICING",
  "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING",
  "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN",
  "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE",
  "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN",
  "KEYWORD_NUDITY",
  "KEYWORD_OTHER",
  "KEYWORD_PATENT_INFRINGEMENT",
  "KEYWORD_PHISHING",
  "KEYWORD_PROHIBITED_PRODUCTS",
  "KEYWORD_PYRAMID_SCHEMES",
  "KEYWORD_RIGHT_TO_BE_FORGOTTEN",
  "KEYWORD_RISK_ENVIRONMENTAL_DAMAGE",
  "KEYWORD_RISK_PUBLIC_HEALTH",
  "KEYWORD_SELF_MUTILATION",
  "KEYWORD_STALKING",
  "KEYWORD_SUICIDE",
  "KEYWORD_TERRORIST_CONTENT",
  "KEYWORD_TRADEMARK_INFRINGEMENT",
  "KEYWORD_TRADE_SECRET_INFRINGEMENT",
  "KEYWORD_TRAFFICKING_WOMEN_GIRLS",
  "KEYWORD_UNLAWFUL_SALE_ANIMALS",
  "KEYWORD_UNSAFE_CHALLENGES",
  "KEYWORD_UNSAFE_PRODUCTS",
  "KEYWORD_VIOLATION_EU_LAW",
  "KEYWORD_VIOLATION_NATIONAL_LAW",
] as const;
export type DsaKeyword = (typeof DSA_KEYWORDS)[number];

/** `ground`: incompatible with the terms of service, or illegal (DECISION_GROUND_INCOMPATIBLE_CONTENT / _ILLEGAL_CONTENT). */
export const DSA_GROUNDS = ["incompatible", "illegal"] as const;
export type DsaGround = (typeof DSA_GROUNDS)[number];

/** How a policy's restrictions are reported to the Transparency Database (front matter `dsa:`). */
export interface DsaMapping {
  category: DsaCategory;
  /** `category_specification`: none, or KEYWORD_* words. */
  specification: DsaKeyword[];
  /** `category_specification_other` (max 500): required when `specification` lists KEYWORD_OTHER. */
  specificationOther: string | null;
  ground: DsaGround;
  /** `decision_ground_reference_url` (max 500): the terms (or law) the decision relies on. */
  tosUrl: string;
  /** `illegal_content_legal_ground` (max 500): required when `ground` is illegal. */
  legalGround: string | null;
  /** The policy's own explanation of why content breaks it (max 2000): else its title and the rules broken. */
  explanation: string | null;
}

const KEYS = ["category", "specification", "specification_other", "ground", "tos_url", "legal_ground", "explanation"];

/**
 * Parses a policy's `dsa:` block; `err(detail, at)` throws naming `dsa` and the key path. Limits
 * are the API's (StatementStoreRequest: `max:500` for the ground, URL and "other" texts,
 * `max:2000` for the explanations; `decision_ground_reference_url` must be a URL).
 */
export function parseDsaMapping(v: FrontMatterValue, err: (detail: string, at?: (string | number)[]) => never): DsaMapping {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return err("must be a map: {category, ground, tos_url}");
  for (const k of Object.keys(v)) if (!KEYS.includes(k)) err(`unknown key "${k}" (known: ${KEYS.join(", ")})`, [k]);
  const text = (key: string, max: number, required: boolean): string | null => {
    const value = v[key];
    if (value === undefined || value === null) return required ? err(`"${key}" is required`, [key]) : null;
    if (typeof value !== "string" || value.trim().length === 0) return err(`"${key}" must be a non-empty string`, [key]);
    if (value.trim().length > max) return err(`"${key}" is ${value.trim().length} characters; the Transparency Database takes at most ${max}`, [key]);
    return value.trim();
  };
  const category = text("category", 200, true) as string;
  if (!(DSA_CATEGORIES as readonly string[]).includes(category)) err(`"category" must be one of ${DSA_CATEGORIES.join(", ")}`, ["category"]);
  const ground = text("ground", 50, true) as string;
  if (!(DSA_GROUNDS as readonly string[]).includes(ground)) err(`"ground" must be one of ${DSA_GROUNDS.join(", ")}`, ["ground"]);
  const tosUrl = text("tos_url", 500, true) as string;
  let url: URL | null = null;
  try {
    url = new URL(tosUrl);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) err(`"tos_url" must be an http(s) URL`, ["tos_url"]);
  const spec = v.specification ?? [];
  const specification = (Array.isArray(spec) ? spec : [spec]).map((item, i) => {
    if (typeof item !== "string" || !(DSA_KEYWORDS as readonly string[]).includes(item))
      return err(`"specification" item ${i + 1} must be one of ${DSA_KEYWORDS.join(", ")}`, ["specification"]);
    return item as DsaKeyword;
  });
  const specificationOther = text("specification_other", 500, specification.includes("KEYWORD_OTHER"));
  const legalGround = text("legal_ground", 500, ground === "illegal");
  return {
    category: category as DsaCategory,
    specification,
    specificationOther,
    ground: ground as DsaGround,
    tosUrl,
    legalGround,
    explanation: text("explanation", 2000, false),
  };
}
