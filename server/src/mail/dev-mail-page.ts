// /dev/mail: the mails the development catcher caught, newest first, links clickable. Served only when
// the catcher runs (development with no SMTP_URL); plain HTML with no script and no style, under a policy
// that allows nothing to load, so a mail's text can never run in the SPA's origin.
import type { MailCatcher } from "./mail-catcher.server.ts";

const POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The text with each http(s) link made clickable; everything else escaped. */
function withLinks(text: string): string {
  let html = "";
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"]+/g)) {
    html += escapeHtml(text.slice(last, match.index));
    html += `<a href="${escapeHtml(match[0])}">${escapeHtml(match[0])}</a>`;
    last = match.index + match[0].length;
  }
  return html + escapeHtml(text.slice(last));
}

export function devMailPage(catcher: MailCatcher): Response {
  const mails = catcher.list();
  const items = mails
    .map(
      (mail) => `<article>
<h2>${escapeHtml(mail.subject)}</h2>
<p>To ${escapeHtml(mail.to.join(", "))} · <time datetime="${mail.receivedAt.toISOString()}">${escapeHtml(mail.receivedAt.toISOString().replace("T", " ").slice(0, 19))} UTC</time></p>
<pre>${withLinks(mail.text)}</pre>
</article>`,
    )
    .join("\n<hr>\n");
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Mail (development)</title></head>
<body>
<h1>Mail caught in development</h1>
<p>${mails.length === 0 ? "No mail yet." : `${mails.length} mail${mails.length === 1 ? "" : "s"}, newest first.`} Saved as .eml files in ${escapeHtml(catcher.directory)}. Reload for new mail.</p>
${items}
</body>
</html>
`;
  return new Response(body, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": POLICY,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
