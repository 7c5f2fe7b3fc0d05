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

export function verifyEmailMail(to: string, link: string): OutgoingMail {
  return {
    to,
    subject: "Verify your email for Tasks",
    text: `Welcome to Tasks. To verify this address and sign in, open this link within 24 hours:

${link}

If you did not create an account, ignore this mail: nothing happens without the link.
`,
  };
}

/** Sent instead of a second account when someone signs up with an address that already has one. */
export function existingAccountMail(to: string, signInPage: string): OutgoingMail {
  return {
    to,
    subject: "Someone tried to create a Tasks account with your address",
    text: `Someone tried to create a Tasks account with this address, which already has one. No new account was made and nothing about yours changed.

If it was you, sign in instead (or use "Forgot password?"):

${signInPage}

If it was not you, you can ignore this mail.
`,
  };
}

/** To the new address of an email change: nothing changes until it is opened. */
export function confirmNewEmailMail(to: string, link: string): OutgoingMail {
  return {
    to,
    subject: "Confirm your new email for Tasks",
    text: `Someone asked to change the email of a Tasks account to this address. To confirm it, open this link within 24 hours:

${link}

Until then the account keeps its old address. If it was not you, ignore this mail.
`,
  };
}

/**
 * To the old address when someone asks to move the account elsewhere: nothing changes until the new address
 * confirms, and the link here undoes it, before or after, for 7 days.
 */
export function emailChangeRequestedMail(to: string, newEmail: string, undoLink: string): OutgoingMail {
  return {
    to,
    subject: "Your Tasks email is being changed",
    text: `Someone signed in to your Tasks account and asked to change its email from this address to ${newEmail}. The change takes effect when that address confirms it.

If it was you, there is nothing to do.

If it was not you, open this link within 7 days, even if the change has already happened:

${undoLink}

It puts your account back on this address, asks you for a new password (whoever did this knew your current one) and signs out every device.
`,
  };
}
