// What a keyset cursor may carry back, checked before any SQL: a cursor is text from the client, and a
// value PostgreSQL cannot hold would fail there as an internal error instead of BAD_USER_INPUT.

/** A cursor this API never handed out (the schema answers BAD_USER_INPUT). */
export class InvalidCursorError extends Error {}

/** Text a column could hold: not over its limit, no NUL (PostgreSQL text cannot store one). */
export function isStoredText(value: string, maxLength: number): boolean {
  return value.length <= maxLength && !value.includes("\u0000");
}

/**
 * Exactly what a cursor encoder writes (toISOString of a time PostgreSQL can store): anything else, such
 * as JavaScript's years past 9999 or before 1, would reach PostgreSQL and fail there.
 */
export function isCursorTime(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) || value.startsWith("0000")) return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}

/** The JSON array inside a base64url cursor, or null when it is anything else. */
export function readCursorArray(cursor: string, length: number): unknown[] | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    return Array.isArray(parsed) && parsed.length === length ? parsed : null;
  } catch {
    return null;
  }
}
