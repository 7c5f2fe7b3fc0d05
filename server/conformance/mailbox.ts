// The development mail catcher, read as a person would: the .eml files it saves, or its /dev/mail page.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { simpleParser } from "mailparser";
import { send, sleep } from "./http.ts";

const WAIT_MS = 10_000;

/** The first link containing `linkPart` in a mail to `email`, waiting up to 10 s for it to arrive. */
export async function mailedLink(mail: string, email: string, linkPart: string): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const links = /^https?:\/\//.test(mail) ? await linksOnPage(mail, email) : await linksInFolder(mail, email);
    const link = links.find((candidate) => candidate.includes(linkPart));
    if (link) return link;
    if (Date.now() > deadline) throw new Error(`no mail to ${email} with a link to ${linkPart} in ${mail} after ${WAIT_MS / 1000} s`);
    await sleep(200);
  }
}

async function linksInFolder(directory: string, email: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.endsWith(".eml"));
  } catch {
    return [];
  }
  const links: string[] = [];
  for (const name of names.sort().reverse()) {
    const mail = await simpleParser(await readFile(path.join(directory, name)));
    const to = (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((group) =>
      group.value.map((address) => address.address),
    );
    if (to.includes(email)) links.push(...(mail.text?.match(/https?:\/\/\S+/g) ?? []));
  }
  return links;
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}

async function linksOnPage(url: string, email: string): Promise<string[]> {
  const page = await send(url);
  if (page.status !== 200) return [];
  return page.text
    .split("<article>")
    .slice(1)
    .filter((article) => unescapeHtml(article).includes(email))
    .flatMap((article) => [...article.matchAll(/href="([^"]+)"/g)].map((match) => unescapeHtml(match[1] ?? "")));
}
