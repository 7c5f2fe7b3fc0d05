// /dev/mail: the mails the development catcher caught, newest first, links clickable. Served only when
// the catcher runs (development with no SMTP_URL); plain HTML with no script, under a policy that allows
// nothing to load, so a mail's text can never run in the SPA's origin. Its one stylesheet is inline and
// allowed by its hash: nothing else styles the page, and a mail's text is escaped, never a <style>.
import { createHash } from "node:crypto";
import type { MailCatcher } from "./mail-catcher.server.ts";

// The SPA's look in a few lines; long links wrap instead of widening the page.
const DEV_MAIL_STYLE = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; line-height: 1.45; color: #1c2230; background: #f4f5f8; }
body { max-width: 46rem; margin: 0 auto; padding: 1rem; overflow-wrap: anywhere; }
h1 { font-size: 1.5rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.15rem; margin: 0 0 0.25rem; }
p { margin: 0 0 0.5rem; }
.meta { color: #5b6475; font-size: 0.9rem; }
article { background: #fff; border: 1px solid #d9dde6; border-radius: 10px; padding: 1rem 1.25rem; margin: 1rem 0; }
pre { margin: 0.75rem 0 0; font-size: 0.85rem; white-space: pre-wrap; overflow-wrap: anywhere; }
a { color: #2f5bd3; }
`;

const POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(DEV_MAIL_STYLE).digest("base64")}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

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
<p class="meta">To ${escapeHtml(mail.to.join(", "))} · <time datetime="${mail.receivedAt.toISOString()}">${escapeHtml(mail.receivedAt.toISOString().replace("T", " ").slice(0, 19))} UTC</time></p>
<pre>${withLinks(mail.text)}</pre>
</article>`,
    )
    .join("\n");
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Mail (development)</title>
<style>${DEV_MAIL_STYLE}</style></head>
<body>
<h1>Mail caught in development</h1>
<p class="meta">${mails.length === 0 ? "No mail yet." : `${mails.length} mail${mails.length === 1 ? "" : "s"}, newest first.`} Saved as .eml files in ${escapeHtml(catcher.directory)}. Reload for new mail.</p>
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
