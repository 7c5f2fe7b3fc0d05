// Dates as the reader writes them: their own time zone and language, and the day in the short form the task
// list uses ("Fri, Jan 2", the year only when it is not this year).

const DAY = 24 * 60 * 60 * 1000;
const startOfDay = (date: Date) => new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();

/** Whole calendar days from `now`'s day to `date`'s day, in local time (-1 is yesterday). */
export function daysFrom(now: Date, date: Date): number {
  return Math.round((startOfDay(date) - startOfDay(now)) / DAY);
}

/** "Fri, Jan 2", or "Fri, Jan 2, 2025" in another year. */
export function formatDay(date: Date, now = new Date(), locale?: string): string {
  const sameYear = date.getFullYear() === now.getFullYear();
  return date.toLocaleDateString(locale, { weekday: "short", month: "short", day: "numeric", ...(sameYear ? {} : { year: "numeric" }) });
}

/** A past moment: "Today at 9:30 AM", "Yesterday at 9:30 AM", "Fri, Jan 2 at 9:30 AM". */
export function formatMoment(date: Date, now = new Date(), locale?: string): string {
  const time = date.toLocaleTimeString(locale, { hour: "numeric", minute: "2-digit" });
  const days = daysFrom(now, date);
  const day = days === 0 ? "Today" : days === -1 ? "Yesterday" : formatDay(date, now, locale);
  return `${day} at ${time}`;
}
