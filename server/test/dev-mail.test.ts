// Development's mail: a real SMTP server in-process catches what nodemailer sends, saves each mail as an
// .eml file, prints one line with its link, and lists it at /dev/mail, newest first, with the links
// clickable and the mail's text never able to run as HTML. The page holds every reset link, so it is served
// only by the development runner, only to this machine, asked by a loopback name: a DNS-rebinding page, a
// client from elsewhere and `pnpm start` all get 404. Without the catcher there is no page.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { createAuthApp } from "../src/auth/app.ts";
import { startMailCatcher } from "../src/mail/mail-catcher.server.ts";
import { createSmtpMailer } from "../src/mail/mailer.ts";
import { readEnv } from "../src/env.ts";
import { CLIENT_IP_HEADER } from "../src/net/client-address.ts";
import { freePort } from "../src/net/free-port.ts";
import { startServices } from "../src/services.ts";
import { requestFrom } from "./support/request-from.ts";
import { createTestDatabase } from "./support/test-database.ts";
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

test("/dev/mail lists the caught mail newest first with clickable links, under a policy that loads nothing and allows only its own stylesheet; a mail's HTML is shown as text", async () => {
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

    const page = await fetch(`${system.authUrl}/dev/mail`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const html = await page.text();
    // One inline stylesheet, allowed by its hash alone: no 'unsafe-inline', no style attribute, nothing linked.
    const stylesheets = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map(([, css]) => css!);
    expect(stylesheets).toHaveLength(1);
    const hash = createHash("sha256").update(stylesheets[0]!).digest("base64");
    expect(page.headers.get("content-security-policy")).toBe(
      `default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    expect(html).not.toMatch(/\sstyle=|<link\b|@import|url\(/i);
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

test("/dev/mail answers 404 to a page that reached it under another name (DNS rebinding), and to a client that is not this machine", async () => {
  const system = await startTestSystem();
  try {
    const mailer = createSmtpMailer(system.mailbox.url, "Tasks <no-reply@localhost>");
    await mailer.send({ to: "ann@example.com", subject: "Reset", text: "http://localhost:5173/reset-password?token=secret-token" });
    mailer.close();
    const port = new URL(system.authUrl).port;
    const asked = (host: string) => requestFrom(`${system.authUrl}/dev/mail`, "127.0.0.1", { headers: { host } });

    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) expect((await asked(host)).status, host).toBe(200);
    for (const host of [`attacker.example:${port}`, "attacker.example", `localhost.attacker.example:${port}`]) {
      const refused = await asked(host);
      expect(refused.status, host).toBe(404);
      expect(refused.body).not.toContain("secret-token");
    }
    // A client elsewhere: the address our server puts in the client-IP header is not a loopback one.
    const remote = await system.authApp.fetch(
      new Request(`http://localhost:${port}/dev/mail`, { headers: { host: `localhost:${port}`, [CLIENT_IP_HEADER]: "203.0.113.7" } }),
    );
    expect(remote.status).toBe(404);
  } finally {
    await system.close();
  }
});

test("only the development runner serves /dev/mail: the services as `pnpm start` runs them answer 404", async () => {
  const database = await createTestDatabase();
  const mailDir = freshFolder();
  const start = async (devMailPage: boolean) => {
    const port = await freePort();
    const env = readEnv({
      NODE_ENV: "development",
      DATABASE_URL: database.url,
      AUTH_PORT: String(port),
      BETTER_AUTH_SECRET: "a development secret that is long enough",
      MAIL_CATCHER_DIR: mailDir,
    });
    return { services: await startServices(env, { auth: true, api: false, devMailPage }), url: `http://127.0.0.1:${port}/dev/mail` };
  };
  try {
    for (const [devMailPage, status] of [
      [false, 404],
      [true, 200],
    ] as const) {
      const { services, url } = await start(devMailPage);
      try {
        expect((await fetch(url)).status, `devMailPage: ${devMailPage}`).toBe(status);
      } finally {
        await services.stop();
      }
    }
  } finally {
    await database.drop();
  }
});
