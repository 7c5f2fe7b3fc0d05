// Development's mail: a real SMTP server in-process catches what nodemailer sends, saves each mail as an
// .eml file, prints one line with its link, and lists it at /dev/mail, newest first, with the links
// clickable and the mail's text never able to run as HTML. Without the catcher there is no page.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { createAuthApp } from "../src/auth/app.ts";
import { startMailCatcher } from "../src/mail/mail-catcher.server.ts";
import { createSmtpMailer } from "../src/mail/mailer.ts";
import { startTestSystem } from "./support/test-system.ts";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
const freshFolder = () => {
  const folder = mkdtempSync(path.join(tmpdir(), "tasks-dev-mail-"));
  folders.push(folder);
  return folder;
};

test("a mail sent over SMTP is caught, saved as .eml, printed as one line with its link, and still listed after a restart", async () => {
  const directory = freshFolder();
  const lines: string[] = [];
  const catcher = await startMailCatcher({ directory, log: (line) => lines.push(line) });
  const mailer = createSmtpMailer(catcher.url, "Tasks <no-reply@localhost>");
  try {
    await mailer.send({ to: "Ann@Example.com", subject: "First", text: "Open http://localhost:5173/a?token=1 now." });
    await mailer.send({ to: "bob@example.com", subject: "Second", text: "Two links: https://example.com/x and http://localhost/y" });
    expect(catcher.list().map((mail) => [mail.subject, mail.to, mail.links])).toEqual([
      ["Second", ["bob@example.com"], ["https://example.com/x", "http://localhost/y"]],
      ["First", ["ann@example.com"], ["http://localhost:5173/a?token=1"]],
    ]);
    expect(lines).toEqual([
      'Mail to ann@example.com: "First" http://localhost:5173/a?token=1',
      'Mail to bob@example.com: "Second" https://example.com/x',
    ]);
    const files = readdirSync(directory).sort();
    expect(files).toHaveLength(2);
    expect(readFileSync(path.join(directory, files[0]!), "utf8")).toMatch(/^Subject: First$/m);
    expect((await catcher.waitFor("ann@example.com")).subject).toBe("First");
  } finally {
    mailer.close();
    await catcher.close();
  }
  const restarted = await startMailCatcher({ directory });
  try {
    expect(restarted.list().map((mail) => mail.subject)).toEqual(["Second", "First"]);
  } finally {
    await restarted.close();
  }
});

test("/dev/mail lists the caught mail newest first with clickable links, under a policy that loads nothing; a mail's HTML is shown as text", async () => {
  const system = await startTestSystem();
  try {
    const mailer = createSmtpMailer(system.mailbox.url, "Tasks <no-reply@localhost>");
    await mailer.send({ to: "ann@example.com", subject: "Older", text: "See http://localhost:5173/older" });
    await mailer.send({
      to: "ann@example.com",
      subject: "<script>alert(1)</script>",
      text: 'Click <b>here</b>: http://localhost:5173/reset?token=abc&x="1"',
    });
    mailer.close();

    const page = await system.authApp.fetch(new Request(`${system.authUrl}/dev/mail`));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toBe(
      "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(page.headers.get("cache-control")).toBe("no-store");
    const html = await page.text();
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
    expect(html).toContain('<a href="http://localhost:5173/reset?token=abc&#38;x=">http://localhost:5173/reset?token=abc&#38;x=</a>');
    expect(html.indexOf("alert(1)")).toBeLessThan(html.indexOf("Older"));
  } finally {
    await system.close();
  }
});

test("without the catcher (mail goes to a real SMTP server) there is no /dev/mail", async () => {
  const system = await startTestSystem();
  try {
    const app = createAuthApp(system.authApp.auth);
    expect((await app.fetch(new Request(`${system.authUrl}/dev/mail`))).status).toBe(404);
  } finally {
    await system.close();
  }
});
