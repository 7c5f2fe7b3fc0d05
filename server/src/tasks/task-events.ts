// Live task changes, per owner. Only the task store (task-store.ts) publishes, after a write that
// succeeded and changed a row; subscribers get exactly one owner's topic, named by the owner id the door
// is given (the verified viewer's), like every other door function. Through Redis when REDIS_URL is set,
// so a change written through one API instance reaches subscribers on every other; in process otherwise
// (one instance, the embedded default). When the Redis connection that carries the events is lost, every
// open subscription ends (its stream completes and the client reconnects) rather than staying open and
// silently missing what is published meanwhile; a new one is refused until Redis is back.
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

/** Live updates cannot be carried right now (Redis is configured and unreachable): try again shortly. */
export class LiveUpdatesUnavailable extends Error {
  constructor() {
    super("live updates unavailable: Redis is unreachable");
  }
}

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
  // The open subscriptions' ends, called when the subscriber connection closes: the events published
  // while it is down would never reach them.
  const open = new Set<() => void>();
  // Lost, not merely not connected yet: at start-up a subscription waits in ioredis's queue for the first
  // connection, as nothing can have been missed.
  let connectionLost = false;
  subscribeClient?.on("close", () => {
    connectionLost = true;
    for (const end of [...open]) end();
  });
  subscribeClient?.on("ready", () => (connectionLost = false));
  const pubSub = createPubSub<{ [TOPIC]: [ownerId: string, event: TaskEvent] }>(
    publishClient && subscribeClient ? { eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) } : {},
  );
  return {
    publish(ownerId, event) {
      pubSub.publish(TOPIC, ownerId, event);
    },
    subscribe(ownerId) {
      if (connectionLost) throw new LiveUpdatesUnavailable();
      const source = pubSub.subscribe(TOPIC, ownerId);
      // Over Redis the task arrives as JSON: its times as strings.
      const mapped = mapIterator(source, (event) => ({ ...event, task: event.task ? reviveTask(event.task) : null }));
      return subscribeClient ? endable(mapped, open) : mapped;
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

/** The iterator, ended (done) when the function it adds to `ends` is called. */
function endable<T>(source: AsyncIterableIterator<T>, ends: Set<() => void>): AsyncIterableIterator<T> {
  let end!: () => void;
  const ended = new Promise<IteratorResult<T>>((resolve) => {
    end = () => {
      ends.delete(end);
      void source.return?.();
      resolve({ done: true, value: undefined });
    };
  });
  ends.add(end);
  return {
    next: () => Promise.race([ended, source.next()]),
    async return() {
      end();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
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
