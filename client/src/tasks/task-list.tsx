// The list, newest first, a page at a time. Page n+1 always starts after page n's *current* last task, so
// when a task is added or deleted and the pages are refetched, nothing is skipped or shown twice. A change
// from another device or tab (or a gap in the live stream) refetches every page shown, the same way.
import { useEffect, useState } from "react";
import { useQuery } from "urql";
import type { TaskFilter } from "../gql/graphql.ts";
import { describeProblem } from "../graphql/problems.ts";
import { useLiveRefetch } from "../live/live-updates.tsx";
import { ProblemMessage } from "../ui/problem-message.tsx";
import { TasksQuery } from "./operations.ts";
import { describeCount } from "./task-count.ts";
import { TaskItem } from "./task-item.tsx";

export const PAGE_SIZE = 20;

// An empty list holds no Task for urql's document cache to notice: name the type so mutations refetch it.
const LIST_CONTEXT = { additionalTypenames: ["Task"] };

interface ChainEnd {
  hasNextPage: boolean;
  loading: boolean;
}

export function TaskList({ filter, filtered, onClearFilters }: { filter: TaskFilter; filtered: boolean; onClearFilters(): void }) {
  const [pages, setPages] = useState(1);
  const [chainEnd, setChainEnd] = useState<ChainEnd>({ hasNextPage: false, loading: false });
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: TasksQuery,
    variables: { first: PAGE_SIZE, after: null, filter },
    context: LIST_CONTEXT,
    requestPolicy: "cache-and-network",
  });
  useLiveRefetch(TasksQuery, { first: PAGE_SIZE, after: null, filter }, { context: LIST_CONTEXT });
  const retry = () => reexecute({ requestPolicy: "network-only" });

  if (!data) {
    if (error) return <ProblemMessage problem={describeProblem(error)} onRetry={retry} retrying={fetching} />;
    return (
      <p className="placeholder" role="status">
        Loading your tasks…
      </p>
    );
  }

  const { edges, pageInfo, totalCount } = data.tasks;
  if (edges.length === 0) {
    return filtered ? (
      <div className="placeholder">
        <p role="status">No tasks match this search or filter.</p>
        <button type="button" className="button secondary" onClick={onClearFilters}>
          Show all tasks
        </button>
      </div>
    ) : (
      <p className="placeholder" role="status">
        No tasks yet. Add your first one above.
      </p>
    );
  }

  const chained = pages > 1 && pageInfo.hasNextPage && pageInfo.endCursor !== null;
  const end = chained ? chainEnd : { hasNextPage: pageInfo.hasNextPage, loading: false };
  return (
    <>
      <p className="list-count" role="status">
        {describeCount(totalCount)}
        {filtered ? " found" : ""}
      </p>
      {error ? <ProblemMessage problem={describeProblem(error)} onRetry={retry} retrying={fetching} /> : null}
      <ul className="task-list" aria-label="Tasks">
        {edges.map(({ node }) => (
          <TaskItem key={node.id} task={node} />
        ))}
        {chained ? <LaterPage filter={filter} after={pageInfo.endCursor!} remaining={pages - 1} onEnd={setChainEnd} /> : null}
      </ul>
      {end.hasNextPage ? (
        <button type="button" className="button secondary load-more" onClick={() => setPages((count) => count + 1)} disabled={end.loading}>
          {end.loading ? "Loading more…" : "Load more"}
        </button>
      ) : null}
    </>
  );
}

function LaterPage({
  filter,
  after,
  remaining,
  onEnd,
}: {
  filter: TaskFilter;
  after: string;
  remaining: number;
  onEnd(end: ChainEnd): void;
}) {
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: TasksQuery,
    variables: { first: PAGE_SIZE, after, filter },
    context: LIST_CONTEXT,
    requestPolicy: "cache-and-network",
  });
  useLiveRefetch(TasksQuery, { first: PAGE_SIZE, after, filter }, { context: LIST_CONTEXT });
  const pageInfo = data?.tasks.pageInfo;
  const isLast = remaining <= 1 || !pageInfo?.hasNextPage || !pageInfo.endCursor;
  const hasNextPage = pageInfo?.hasNextPage ?? false;
  const loading = !data && fetching;

  useEffect(() => {
    if (isLast) onEnd({ hasNextPage, loading });
  }, [isLast, hasNextPage, loading, onEnd]);

  if (!data) {
    if (error) {
      return (
        <li className="task-list-problem">
          <ProblemMessage
            problem={describeProblem(error)}
            onRetry={() => reexecute({ requestPolicy: "network-only" })}
            retrying={fetching}
          />
        </li>
      );
    }
    return null;
  }
  return (
    <>
      {data.tasks.edges.map(({ node }) => (
        <TaskItem key={node.id} task={node} />
      ))}
      {!isLast ? <LaterPage filter={filter} after={pageInfo!.endCursor!} remaining={remaining - 1} onEnd={onEnd} /> : null}
    </>
  );
}
