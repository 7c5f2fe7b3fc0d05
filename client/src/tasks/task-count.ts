// "12 tasks", or "1,000+ tasks": the API counts matches only up to a cap (its schema's totalCount
// description says so), so that a count never rescans an account without bound.
export const TOTAL_COUNT_MAX = 1000;

export function describeCount(count: number): string {
  if (count >= TOTAL_COUNT_MAX) return `${TOTAL_COUNT_MAX.toLocaleString("en-US")}+ tasks`;
  return count === 1 ? "1 task" : `${count} tasks`;
}
