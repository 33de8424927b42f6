import { createHmac } from "node:crypto";
import { signBody, verifySignature } from "@arbiter/shared/ingest/signature.js";

const secret = "a webhook secret";
const body = Buffer.from('{"post":{"id":1,"raw":"hi"}}');

describe("verifySignature", () => {
  it("accepts sha256= and the hex HMAC-SHA256 of the raw body, as Discourse sends it", () => {
    const header = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    expect(signBody(secret, body)).toBe(header);
    expect(verifySignature(secret, body, header)).toBe("ok");
    expect(verifySignature(secret, body, header.toUpperCase().replace("SHA256=", "sha256="))).toBe("ok");
  });

  it("names a missing header", () => {
    expect(verifySignature(secret, body, undefined)).toBe("missing");
    expect(verifySignature(secret, body, "")).toBe("missing");
  });

  it("takes a header of another form as malformed, not as a mismatch", () => {
    const hex = createHmac("sha256", secret).update(body).digest("hex");
    expect(verifySignature(secret, body, hex)).toBe("malformed");
    expect(verifySignature(secret, body, `sha1=${hex}`)).toBe("malformed");
    expect(verifySignature(secret, body, `sha256=${hex.slice(2)}`)).toBe("malformed");
    expect(verifySignature(secret, body, [signBody(secret, body), signBody(secret, body)])).toBe("malformed");
  });

  it("refuses a tampered body and another secret", () => {
    const header = signBody(secret, body);
    const tampered = Buffer.from(body);
    tampered[tampered.length - 3]! ^= 1;
    expect(verifySignature(secret, tampered, header)).toBe("mismatch");
    expect(verifySignature("another secret", body, header)).toBe("mismatch");
    // The signature is over the bytes: the same JSON re-serialised with a space is another body.
    expect(verifySignature(secret, Buffer.from('{"post": {"id":1,"raw":"hi"}}'), header)).toBe("mismatch");
  });
});
