// A log line never holds a full email address: where one must be referred to (a mail that was not sent, an
// error from the database that quotes a row), it reads "j***@example.com": enough for an operator who knows
// whom to look for, useless as a list of addresses.

/** "jane@example.com" -> "j***@example.com". Anything without an "@" -> "***". */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf("@");
  if (at < 1) return "***";
  return `${address[0]}***${address.slice(at)}`;
}

const EMAIL = /[^\s@"'<>(),;:=]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Free text (an error's message and stack) with every email address in it masked. */
export function maskEmailsIn(text: string): string {
  return text.replace(EMAIL, maskEmail);
}
