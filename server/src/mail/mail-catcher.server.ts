// Development's mail server: a real SMTP server in-process (smtp-server, from nodemailer's authors), so
// every flow that sends mail works on a laptop with no external service. Each mail is saved as an .eml
// file under the folder given (.data/mail/ for `pnpm dev`), printed as one line with its link, and kept
// for the development page /dev/mail (dev-mail-page.ts). Listens on 127.0.0.1 only.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface CaughtMail {
  receivedAt: Date;
  to: string[];
  subject: string;
  text: string;
  /** The http(s) links in the text, in order. */
  links: string[];
  file: string;
}

export interface MailCatcher {
  /** Where nodemailer sends: smtp://127.0.0.1:<port> */
  readonly url: string;
  readonly directory: string;
  /** Newest first. */
  list(): CaughtMail[];
  /** The first mail to `to` received after `since` (default: any), waiting up to `timeoutMs`. */
  waitFor(to: string, options?: { since?: Date; timeoutMs?: number }): Promise<CaughtMail>;
  close(): Promise<void>;
}

/** Kept in memory for the page (the files stay on disk). */
const KEPT = 200;
const LINK = /https?:\/\/[^\s<>"]+/g;

async function parse(raw: Buffer, file: string, receivedAt: Date): Promise<CaughtMail> {
  const parsed = await simpleParser(raw);
  const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((group) =>
    group.value.map((address) => (address.address ?? "").toLowerCase()),
  );
  const text = parsed.text ?? "";
  return { receivedAt: parsed.date ?? receivedAt, to, subject: parsed.subject ?? "", text, links: text.match(LINK) ?? [], file };
}

export async function startMailCatcher(options: { directory: string; port?: number; log?: (line: string) => void }): Promise<MailCatcher> {
  const { directory } = options;
  mkdirSync(directory, { recursive: true });
  const mails: CaughtMail[] = [];
  // What earlier runs caught is still listed.
  for (const name of readdirSync(directory)
    .filter((entry) => entry.endsWith(".eml"))
    .sort()
    .slice(-KEPT)) {
    const file = path.join(directory, name);
    mails.unshift(
      await parse(readFileSync(file), file, new Date(0)).catch(() => ({
        receivedAt: new Date(0),
        to: [],
        subject: "(unreadable)",
        text: "",
        links: [],
        file,
      })),
    );
  }
  const waiting = new Set<() => void>();
  let sequence = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    banner: "Tasks development mail catcher",
    size: 1024 * 1024,
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", done);
      stream.on("end", () => {
        const receivedAt = new Date();
        const raw = Buffer.concat(chunks);
        const file = path.join(directory, `${receivedAt.toISOString().replace(/[:.]/g, "-")}-${String(++sequence).padStart(4, "0")}.eml`);
        writeFileSync(file, raw);
        parse(raw, file, receivedAt).then(
          (mail) => {
            mails.unshift({ ...mail, receivedAt });
            mails.length = Math.min(mails.length, KEPT);
            options.log?.(`Mail to ${mail.to.join(", ")}: "${mail.subject}" ${mail.links[0] ?? ""}`.trimEnd());
            for (const wake of waiting) wake();
            done();
          },
          (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    directory,
    list: () => [...mails],
    waitFor(to, { since = new Date(0), timeoutMs = 5_000 } = {}) {
      const find = () => mails.findLast((mail) => mail.to.includes(to.toLowerCase()) && mail.receivedAt >= since);
      return new Promise((resolve, reject) => {
        const found = find();
        if (found) return resolve(found);
        const wake = () => {
          const mail = find();
          if (!mail) return;
          waiting.delete(wake);
          clearTimeout(timer);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiting.delete(wake);
          reject(new Error(`no mail to ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.add(wake);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
