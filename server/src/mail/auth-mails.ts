// The words of the auth service's mails: one sentence, the link, how long it works, and what to do if it
// was not you. No secret but the one-time link itself.
import type { OutgoingMail } from "./mailer.ts";

export function resetPasswordMail(to: string, link: string): OutgoingMail {
  return {
    to,
    subject: "Reset your Tasks password",
    text: `Someone asked to reset the password of your Tasks account. To choose a new password, open this link within 30 minutes:

${link}

The link works once. Resetting signs you out on every device.
If it was not you, ignore this mail: your password stays as it is.
`,
  };
}
