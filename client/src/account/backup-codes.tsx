// Backup codes, shown once: the auth service keeps them only encrypted and never hands them out again (its
// endpoint for that is refused, server/src/auth/endpoints.ts). So this is the moment to keep them: Copy puts them
// on the clipboard, Download saves them as a text file made in the page (a Blob URL: nothing leaves the browser).
import { useEffect, useState } from "react";
import { useFocusOnMount } from "../ui/use-focus-on-mount.ts";

export function BackupCodes({ codes, email, onDone }: { codes: string[]; email: string; onDone: () => void }) {
  const text = backupCodesFile(codes, email);
  const [fileUrl, setFileUrl] = useState<string | null>(null);
  const [copied, setCopied] = useState<string>("");
  const heading = useFocusOnMount<HTMLHeadingElement>();

  // The file's URL lives as long as the codes are shown; revoked when they go, so the codes do not stay in memory.
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    setFileUrl(url);
    return () => URL.revokeObjectURL(url);
  }, [text]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Copied the backup codes.");
    } catch {
      // No clipboard access (a page not on https or localhost, or permission refused): they are on screen to copy.
      setCopied("Could not copy: select the codes and copy them yourself.");
    }
  }

  return (
    <div className="backup-codes">
      <h3 id="backup-codes-heading" ref={heading} tabIndex={-1}>
        Your backup codes
      </h3>
      <p>
        <strong>They are shown only once.</strong> Keep them somewhere safe, apart from your phone: if you cannot use your authenticator
        app, each code signs you in once instead of a code from the app.
      </p>
      <ol className="backup-code-list" aria-label="Backup codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="form-actions">
        <button type="button" className="button secondary" onClick={() => void copy()}>
          Copy
        </button>
        {fileUrl ? (
          <a className="button secondary" href={fileUrl} download="tasks-backup-codes.txt">
            Download
          </a>
        ) : null}
        <span className="spacer" />
        <button type="button" className="button primary" onClick={onDone}>
          I have saved them
        </button>
      </div>
      <p role="status" className="backup-codes-status">
        {copied}
      </p>
    </div>
  );
}

/** The codes as a text file says them: whose they are, and that each works once. */
export function backupCodesFile(codes: string[], email: string): string {
  return [
    `Tasks backup codes for ${email}`,
    "Each code signs in once, instead of a code from your authenticator app.",
    "",
    ...codes,
    "",
  ].join("\n");
}
