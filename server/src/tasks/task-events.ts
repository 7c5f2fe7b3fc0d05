// Live task changes, per owner. Only the task store (task-store.ts) publishes, after a write that
// succeeded and changed a row; subscribers get exactly one owner's topic, named by the owner id the door
// is given (the verified viewer's), like every other door function. Through Redis when REDIS_URL is set,
// so a change written through one API instance reaches subscribers on every other; in process otherwise
// (one instance, the embedded default).
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub } from "graphql-yoga";
import { Redis } from "ioredis";
import type { Task } from "../generated/prisma/client.ts";

export type TaskEventKind = "CREATED" | "UPDATED" | "DELETED";

export interface TaskEvent {
  kind: TaskEventKind;
  taskId: string;
  /** The task after the change; null for DELETED. */
  task: Task | null;
}

export interface TaskEvents {
  publish(ownerId: string, event: TaskEvent): void;
  subscribe(ownerId: string): AsyncIterableIterator<TaskEvent>;
  close(): Promise<void>;
}

const TOPIC = "task-events";

export function createTaskEvents(options: { redisUrl?: string; log?: (message: string) => void } = {}): TaskEvents {
  const log = options.log ?? (() => {});
  const clients = options.redisUrl ? [new Redis(options.redisUrl), new Redis(options.redisUrl)] : [];
  let lastRedisError = "";
  for (const client of clients) {
    client.on("error", (error: Error) => {
      if (error.message !== lastRedisError) log(`live updates: Redis unavailable (${error.message})`);
      lastRedisError = error.message;
    });
    client.on("ready", () => (lastRedisError = ""));
  }
  const [publishClient, subscribeClient] = clients;
  const pubSub = createPubSub<{ [TOPIC]: [ownerId: string, event: TaskEvent] }>(
    publishClient && subscribeClient ? { eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) } : {},
  );
  return {
    publish(ownerId, event) {
      pubSub.publish(TOPIC, ownerId, event);
    },
    subscribe(ownerId) {
      const source = pubSub.subscribe(TOPIC, ownerId);
      // Over Redis the task arrives as JSON: its times as strings.
      return mapIterator(source, (event) => ({ ...event, task: event.task ? reviveTask(event.task) : null }));
    },
    async close() {
      await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}

function reviveTask(task: Task): Task {
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  return { ...task, createdAt: date(task.createdAt)!, updatedAt: date(task.updatedAt)!, dueAt: date(task.dueAt) };
}

function mapIterator<T, U>(source: AsyncIterableIterator<T>, map: (value: T) => U): AsyncIterableIterator<U> {
  return {
    async next() {
      const result = await source.next();
      return result.done ? result : { done: false, value: map(result.value) };
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
