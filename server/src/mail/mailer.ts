// The one way the services send mail: nodemailer over SMTP, to SMTP_URL in production or to the local
// catcher in development (mail-catcher.server.ts). Plain text only: every mail is a sentence and a link.
import { createTransport } from "nodemailer";
import { describeError } from "../logging/describe-error.ts";
import type { Logger } from "../logging/logger.ts";
import { maskEmail } from "../logging/mask-email.ts";

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = createTransport(smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
    close: () => transport.close(),
  };
}

/**
 * Sends without making the request wait: the answer to "reset my password" must not take longer when the
 * address has an account (that would tell who has one). A failure is logged, not lost silently.
 */
export function sendInBackground(mailer: Mailer, mail: OutgoingMail, logger: Logger): Promise<void> {
  // The recipient masked, the subject (which kind of mail), never the body: it holds the link's token.
  const about = { to: maskEmail(mail.to), subject: mail.subject };
  mailer.send(mail).then(
    () => logger.info(about, "mail sent"),
    (error: unknown) => logger.warn({ ...about, error: describeError(error) }, "mail not sent"),
  );
  return Promise.resolve();
}
