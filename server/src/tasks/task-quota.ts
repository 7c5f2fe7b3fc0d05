// What one account may store, and how the database says it is full. The count is kept and checked by a
// trigger on the Task table (migration *_task_usage_quota): one locked row per owner, so concurrent
// creates cannot overshoot, and a refused write changes nothing (the statement is rolled back).
import { DatabaseError } from "pg";

export interface TaskQuota {
  /** Tasks one owner may have. */
  maxTasks: number;
  /** Bytes (UTF-8) of title and description one owner may store across all tasks. */
  maxTextBytes: number;
}

export class QuotaExceededError extends Error {
  constructor(
    readonly limit: "tasks" | "text",
    quota: TaskQuota,
  ) {
    super(
      limit === "tasks"
        ? `You have reached the limit of ${quota.maxTasks.toLocaleString("en-US")} tasks. Delete some to make room.`
        : `Your tasks have reached the limit of ${formatBytes(quota.maxTextBytes)} of text. Shorten or delete some to make room.`,
    );
  }
}

/** SQLSTATE the usage trigger raises; its DETAIL says which limit. */
const QUOTA_EXCEEDED = "TQ001";

/** The quota error a database error stands for, or undefined when it is something else. */
export function quotaExceededFrom(error: unknown, quota: TaskQuota): QuotaExceededError | undefined {
  if (!(error instanceof DatabaseError) || error.code !== QUOTA_EXCEEDED) return undefined;
  return new QuotaExceededError(error.detail === "text" ? "text" : "tasks", quota);
}

function formatBytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 1 ? `${Number(mb.toFixed(1))} MB` : `${Math.round(bytes / 1024)} KB`;
}
