// Live updates: `subscription { taskEvents }` over GraphQL SSE. The viewer's own task changes only (the
// door's topic is the verified viewer's id); the stream ends with its token (expiry, revocation) and
// when its consumer stops reading; at most a few streams per user and per address (api/stream-limits.ts).
import { serviceBusy, tooManyStreams } from "../graphql/errors.ts";
import { boundedStream } from "../graphql/live-stream.ts";
import { builder } from "../builder.ts";
import { LiveUpdatesUnavailable, type TaskEvent as TaskEventShape } from "../tasks/task-events.ts";
import { Task } from "./task.ts";

/** Seconds a client is told to wait before subscribing again while live updates are unavailable. */
const LIVE_UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/** Events held for a consumer that does not read before its stream is dropped. */
export const LIVE_BUFFER_MAX = 100;

const TaskEventKind = builder.enumType("TaskEventKind", { values: ["CREATED", "UPDATED", "DELETED"] as const });

const TaskEvent = builder.objectRef<TaskEventShape>("TaskEvent").implement({
  description: "A change to one of your tasks.",
  fields: (t) => ({
    kind: t.field({ type: TaskEventKind, resolve: (event) => event.kind }),
    taskId: t.exposeID("taskId"),
    task: t.field({
      type: Task,
      nullable: true,
      description: "The task after the change; null when it was deleted.",
      resolve: (event) => event.task,
    }),
  }),
});

builder.subscriptionType({});

builder.subscriptionField("taskEvents", (t) =>
  t.withAuth({ loggedIn: true }).field({
    type: TaskEvent,
    description: "Changes to your tasks as they happen, from any device. Ends when the token expires or its session ends.",
    subscribe: (_root, _args, context) => {
      const { viewer, token } = context;
      if (!token) throw new Error("a signed-in viewer without a token"); // loggedIn guarantees one
      const release = context.streams.acquire(viewer.userId, context.clientIp);
      if (!release) throw tooManyStreams();
      let changes: AsyncIterableIterator<TaskEventShape>;
      try {
        changes = context.tasks.changes(viewer.userId);
      } catch (error) {
        release();
        // Redis, which carries the events between instances, is away: a stream opened now would miss them.
        if (error instanceof LiveUpdatesUnavailable) throw serviceBusy(LIVE_UNAVAILABLE_RETRY_AFTER_SECONDS);
        throw error;
      }
      return boundedStream(changes, {
        endsAt: token.expiresAt,
        stillAllowed: () => context.verifier.stillValid(token),
        onAccessChange: (listener) => context.verifier.onRevocation(listener),
        maxBuffered: LIVE_BUFFER_MAX,
        onEnd: release,
      });
    },
    resolve: (event) => event,
  }),
);
