import { expect, test } from "vitest";
import { groupedForReading, secretFromTotpUri } from "./totp-secret.ts";

test("the secret comes from the URI's query, whatever the account name holds", () => {
  const uri = "otpauth://totp/Tasks:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Tasks&digits=6&period=30";
  expect(secretFromTotpUri(uri)).toBe("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
  expect(secretFromTotpUri("otpauth://totp/Tasks:ada?issuer=Tasks")).toBeNull();
  expect(secretFromTotpUri("not a uri")).toBeNull();
});

test("grouped in fours for reading, padding left off", () => {
  expect(groupedForReading("JBSWY3DPEHPK3PXPJB")).toBe("JBSW Y3DP EHPK 3PXP JB");
  expect(groupedForReading("JBSWY3DP====")).toBe("JBSW Y3DP");
});
