// The audit trail in GraphQL: `me { securityEvents }` for every signed-in user, only their own events
// (the audit store's owner-scoped read, as tasks are: what others did shows who as a kind, never their id,
// session, address or browser; runs of failed sign-ins come as one entry), and `auditEvents` for admins.
// Read-only: events are written by the service where they happen (src/audit/audit-log.ts), never through
// the API.
import { forbidden } from "../graphql/errors.ts";
import { AUDIT_ACTORS, AUDIT_EVENT_KINDS } from "../audit/audit-kinds.ts";
import { RUN_COUNT_MAX } from "../audit/own-activity-statement.ts";
import { encodeAuditCursor, type AuditEventRow, type AuditPage } from "../audit/audit-store.ts";
import { ADMIN_POWERS, builder } from "../builder.ts";
import { PAGE_SIZE_DEFAULT, pageSize } from "../shared/paging.ts";
import { PageInfo } from "./page-info.ts";
import { parseInput } from "./parse-input.ts";
import { withStoreErrors } from "./store-errors.ts";
import { User } from "./user.ts";

const AuditEventKind = builder.enumType("AuditEventKind", { values: AUDIT_EVENT_KINDS });
const AuditActor = builder.enumType("AuditActor", {
  description:
    "Who did it, as a kind: the account's own user (SELF), an administrator, an operator's command, someone not signed in (a failed sign-in), or the service itself (an expiry, what a reset ended).",
  values: AUDIT_ACTORS,
});
const NOT_YOURS = "On your own list (`me.securityEvents`), null for an event you did not cause.";

const AuditEvent = builder.objectRef<AuditEventRow>("AuditEvent").implement({
  description: "A security event: who did what to which account, when and from where. Never a password, token or cookie.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The event's id; for a run of failed sign-ins, the newest one's." }),
    at: t.expose("at", { type: "DateTime", description: "When it happened; for a run of failed sign-ins, the last one." }),
    firstAt: t.expose("firstAt", { type: "DateTime", description: "When the first of a run of failed sign-ins happened; `at` otherwise." }),
    count: t.exposeInt("count", {
      description: `How many events this entry stands for: above 1 only on your own list, for failed sign-ins with nothing else between them (counted up to ${RUN_COUNT_MAX.toLocaleString("en-US")}).`,
    }),
    countCapped: t.exposeBoolean("countCapped", {
      description: `The run held more than \`count\` (${RUN_COUNT_MAX.toLocaleString("en-US")}) failed sign-ins.`,
    }),
    kind: t.field({ type: AuditEventKind, resolve: (event) => event.kind }),
    actor: t.field({ type: AuditActor, resolve: (event) => event.actor }),
    actorId: t.exposeID("actorId", {
      nullable: true,
      description: `Who did it; null for an operator's command or an anonymous attempt. ${NOT_YOURS}`,
    }),
    subjectId: t.exposeID("subjectId", { nullable: true, description: "The account it is about; null for a signing key." }),
    sessionId: t.exposeString("sessionId", { nullable: true, description: `The actor's session. ${NOT_YOURS}` }),
    ipAddress: t.exposeString("ipAddress", { nullable: true, description: `The actor's address. ${NOT_YOURS}` }),
    userAgent: t.exposeString("userAgent", { nullable: true, description: `The actor's browser, as it named itself. ${NOT_YOURS}` }),
    detail: t.string({
      description:
        "A small JSON object: the failure's class, the ban's reason, a key's id (for a run of failed sign-ins, the newest one's).",
      resolve: (event) => JSON.stringify(event.detail),
    }),
  }),
});

const AuditEventEdge = builder.objectRef<AuditEventRow>("AuditEventEdge").implement({
  fields: (t) => ({
    cursor: t.string({ resolve: encodeAuditCursor }),
    node: t.field({ type: AuditEvent, resolve: (event) => event }),
  }),
});

type AuditConnectionShape = AuditPage & { hasPreviousPage: boolean };

const AuditEventConnection = builder.objectRef<AuditConnectionShape>("AuditEventConnection").implement({
  fields: (t) => ({
    edges: t.field({ type: [AuditEventEdge], resolve: (page) => page.rows }),
    pageInfo: t.field({
      type: PageInfo,
      resolve: ({ rows, hasNextPage, hasPreviousPage }) => ({
        hasNextPage,
        hasPreviousPage,
        startCursor: rows[0] ? encodeAuditCursor(rows[0]) : null,
        endCursor: rows.at(-1) ? encodeAuditCursor(rows.at(-1)!) : null,
      }),
    }),
  }),
});

const AuditEventFilter = builder.inputType("AuditEventFilter", {
  fields: (t) => ({
    kind: t.field({ type: AuditEventKind, required: false }),
    userId: t.id({ required: false, description: "Only events about this account." }),
  }),
});

builder.objectField(User, "securityEvents", (t) =>
  t.withAuth({ loggedIn: true }).field({
    type: AuditEventConnection,
    description:
      "Your recent security events, newest first (at most 100 per page). Only on your own user. What someone else did shows `actor` and the time, not their id, session, address or browser; failed sign-ins with nothing else between them are one entry (`count`, `firstAt`, `at`), and its cursor is the oldest of them.",
    args: {
      first: t.arg.int({ required: false, defaultValue: PAGE_SIZE_DEFAULT }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (user, args, context) => {
      if (user.id !== context.viewer.userId) throw forbidden();
      const first = parseInput(pageSize, args.first ?? PAGE_SIZE_DEFAULT);
      const page = await withStoreErrors(() => context.audit.pageForOwner(context.viewer.userId, first, args.after));
      return { ...page, hasPreviousPage: Boolean(args.after) };
    },
  }),
);

builder.queryField("auditEvents", (t) =>
  t.withAuth(ADMIN_POWERS).field({
    type: AuditEventConnection,
    nullable: true,
    description: "Every security event, newest first (Relay connection; at most 100 per page). Admins only.",
    args: {
      first: t.arg.int({ required: false, defaultValue: PAGE_SIZE_DEFAULT }),
      after: t.arg.string({ required: false }),
      filter: t.arg({ type: AuditEventFilter, required: false }),
    },
    resolve: async (_root, args, context) => {
      const first = parseInput(pageSize, args.first ?? PAGE_SIZE_DEFAULT);
      const filter = { kind: args.filter?.kind ?? null, userId: args.filter?.userId == null ? null : String(args.filter.userId) };
      const page = await withStoreErrors(() => context.audit.pageForAdmin(filter, first, args.after));
      return { ...page, hasPreviousPage: Boolean(args.after) };
    },
  }),
);
