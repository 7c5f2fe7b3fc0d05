// What a person typed into a form and has not saved yet, kept in this tab's sessionStorage under their user
// id, so that no error, expired session or reload throws it away, and another account never sees it.
const PREFIX = "tasks:draft:";

const keyFor = (userId: string, name: string) => `${PREFIX}${userId}:${name}`;

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // Storage disabled: drafts then live only as long as the form.
  }
}

export function loadDraft<T>(userId: string, name: string): T | null {
  const raw = storage()?.getItem(keyFor(userId, name));
  if (!raw) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}

export function saveDraft(userId: string, name: string, value: unknown): void {
  try {
    storage()?.setItem(keyFor(userId, name), JSON.stringify(value));
  } catch {
    // Quota exceeded: the form still holds the text.
  }
}

export function discardDraft(userId: string, name: string): void {
  storage()?.removeItem(keyFor(userId, name));
}

function draftKeys(userId: string): string[] {
  const store = storage();
  if (!store) return [];
  const prefix = keyFor(userId, "");
  return Array.from({ length: store.length }, (_, index) => store.key(index)).filter(
    (key): key is string => key?.startsWith(prefix) === true,
  );
}

export function hasDrafts(userId: string): boolean {
  return draftKeys(userId).length > 0;
}

export function discardAllDrafts(userId: string): void {
  for (const key of draftKeys(userId)) storage()?.removeItem(key);
}
