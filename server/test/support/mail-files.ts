// For tests of the app running as a child process (`pnpm dev`, `pnpm start`): the development catcher's
// .eml files are where such a test reads its mail, as a developer could.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { simpleParser } from "mailparser";

/** The first link in the newest mail to `email` whose subject is `subject`, waiting up to 5 s for it. */
export async function mailedLink(mailDir: string, email: string, subject: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    for (const name of readdirSync(mailDir).sort().reverse()) {
      const mail = await simpleParser(readFileSync(path.join(mailDir, name)));
      const to = (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((group) =>
        group.value.map((address) => address.address),
      );
      const link = mail.text?.match(/https?:\/\/\S+/)?.[0];
      if (mail.subject === subject && to.includes(email) && link) return link;
    }
    if (Date.now() > deadline) throw new Error(`no mail "${subject}" to ${email} in ${mailDir}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
