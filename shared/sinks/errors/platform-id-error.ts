import { ArbiterError } from "../../errors/arbiter-error.js";

/** A post id a platform's API cannot address (Discourse, Lemmy and NodeBB ids are numbers): a dead letter. */
export class PlatformIdError extends ArbiterError {
  override readonly name = "PlatformIdError";
  readonly code = "PLATFORM_ID";

  constructor(platform: string, postId: string, expected: string) {
    super(`post id ${JSON.stringify(postId.slice(0, 200))} is not a ${platform} id: expected ${expected}`);
  }
}
