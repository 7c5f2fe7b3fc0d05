// An authenticator app, for tests: RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s) from an otpauth:// URI, written
// here with node:crypto rather than taken from the server's library, so a test checks the server against
// the standard and not against its own code.
import { createHmac } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function secretFromUri(uri: string): Buffer {
  const secret = new URL(uri).searchParams.get("secret");
  if (!secret) throw new Error(`no secret in ${uri}`);
  return base32Decode(secret);
}

/** The code an authenticator app shows at `atMs` (default now). */
export function totp(secret: Buffer, atMs = Date.now(), periodSeconds = 30, digits = 6): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / periodSeconds)));
  const mac = createHmac("sha1", secret).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

function base32Decode(text: string): Buffer {
  const clean = text.replace(/=+$/, "").toUpperCase();
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${text}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/**
 * An authenticator app's codes for the secret in `uri`, each handed out once (the server refuses a code used
 * before): this step's, the next, or the last while this step has over 20 s to go (the server accepts one step
 * either side of its own, so the last step's code dies when this step ends: a browser test may wait up to 10 s
 * for Better Auth's /two-factor/* pace between taking a code and sending it); when all three were used, it
 * waits for the next step.
 */
/** How long this step must still run for the last step's code to be handed out (see above). */
const LAST_STEP_SAFE_MS = 20_000;

export function authenticatorApp(uri: string): () => Promise<string> {
  const secret = secretFromUri(uri);
  const used = new Set<string>();
  return async () => {
    for (;;) {
      const steps = 30_000 - (Date.now() % 30_000) > LAST_STEP_SAFE_MS ? [0, 1, -1] : [0, 1];
      const code = steps.map((step) => totp(secret, Date.now() + step * 30_000)).find((candidate) => !used.has(candidate));
      if (code) {
        used.add(code);
        return code;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };
}
