// The one way the services send mail: nodemailer over SMTP, to SMTP_URL in production or to the local
// catcher in development (mail-catcher.server.ts). Plain text only: every mail is a sentence and a link.
import { createTransport } from "nodemailer";

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
export function sendInBackground(mailer: Mailer, mail: OutgoingMail, log: (message: string) => void): Promise<void> {
  mailer
    .send(mail)
    .catch((error: unknown) => log(`mail to ${mail.to} not sent: ${error instanceof Error ? error.message : String(error)}`));
  return Promise.resolve();
}
