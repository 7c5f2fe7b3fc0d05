// The auth service's mail, as its configuration says: SMTP_URL's server, or in development the local
// catcher, started here and stopped with the services.
import type { MailConfig } from "../config.ts";
import { type MailCatcher, startMailCatcher } from "./mail-catcher.server.ts";
import { createSmtpMailer, type Mailer } from "./mailer.ts";

export interface OpenMail {
  mailer: Mailer;
  /** Set when mail is caught locally: /dev/mail lists it. */
  catcher?: MailCatcher;
  description: string;
  close(): Promise<void>;
}

export async function openMail(config: MailConfig, log: (line: string) => void): Promise<OpenMail> {
  if (config.kind === "smtp") {
    const mailer = createSmtpMailer(config.url, config.from);
    return { mailer, description: `SMTP ${new URL(config.url).host}`, close: async () => mailer.close() };
  }
  const catcher = await startMailCatcher({ directory: config.directory, port: config.port, log });
  const mailer = createSmtpMailer(catcher.url, config.from);
  return {
    mailer,
    catcher,
    description: `caught locally (${catcher.url}), saved in ${config.directory}, listed at /dev/mail`,
    close: async () => {
      mailer.close();
      await catcher.close();
    },
  };
}
