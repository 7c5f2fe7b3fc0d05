// Due dates are days: the form's <input type="date"> value (YYYY-MM-DD) is the start of that day in the
// user's time zone, sent as an RFC 3339 instant, and shown back as the same local day.
import { daysFrom, formatDay } from "../ui/local-dates.ts";

const pad = (value: number) => String(value).padStart(2, "0");

export function dateInputToIso(value: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  return new Date(year, month - 1, day).toISOString();
}

export function isoToDateInput(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function describeDue(iso: string, completed: boolean, now = new Date()): { label: string; overdue: boolean } {
  const due = new Date(iso);
  const days = daysFrom(now, due);
  const date = formatDay(due, now);
  if (days === 0) return { label: "Due today", overdue: false };
  if (days === 1) return { label: "Due tomorrow", overdue: false };
  if (days < 0 && !completed) return { label: `Overdue since ${date}`, overdue: true };
  return { label: `Due ${date}`, overdue: false };
}
