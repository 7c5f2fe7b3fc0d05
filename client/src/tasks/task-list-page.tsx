import { useCallback, useEffect, useMemo, useState } from "react";
import { useLocation, useNavigate, useSearchParams } from "react-router";
import type { TaskFilter } from "../gql/graphql.ts";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { NewTaskForm } from "./new-task-form.tsx";
import { parseShow, TaskFilters, type Show } from "./task-filters.tsx";
import { TaskList } from "./task-list.tsx";

/** The main screen: a form for a new task, then the list with its filter and search (kept in the URL). */
export function TaskListPage() {
  useDocumentTitle("Your tasks");
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  // "Saved …" / "Deleted …" from the edit screen: shown once, not again after a reload.
  const [flash] = useState(() => (location.state as { flash?: string } | null)?.flash);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only on arrival, not when the search changes.
  useEffect(() => {
    if (flash) navigate({ search: location.search }, { replace: true, state: null });
  }, []);
  const show = parseShow(params.get("show"));
  const search = params.get("q") ?? "";
  const searchText = search.trim();

  const filter = useMemo<TaskFilter>(
    () => ({
      ...(show === "all" ? {} : { completed: show === "completed" }),
      ...(searchText ? { search: searchText } : {}),
    }),
    [show, searchText],
  );

  const change = useCallback(
    (name: "show" | "q", value: string) =>
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          if (value && !(name === "show" && value === "all")) next.set(name, value);
          else next.delete(name);
          return next;
        },
        { replace: name === "q" },
      ),
    [setParams],
  );
  const onShow = useCallback((value: Show) => change("show", value), [change]);
  // The text as typed goes in the address (a trailing space is the start of the next word).
  const onSearch = useCallback((value: string) => change("q", value), [change]);

  return (
    <div className="task-screen">
      <h1 className="visually-hidden">Your tasks</h1>
      {flash ? (
        <p className="flash" role="status">
          {flash}
        </p>
      ) : null}
      <NewTaskForm />
      <section className="card list-card" aria-labelledby="list-heading">
        <div className="list-toolbar">
          <h2 id="list-heading">Your tasks</h2>
          <TaskFilters show={show} search={search} onShow={onShow} onSearch={onSearch} />
        </div>
        {/* A new filter starts again from the first page. */}
        <TaskList
          key={`${show}\n${searchText}`}
          filter={filter}
          filtered={show !== "all" || searchText !== ""}
          onClearFilters={() => setParams({})}
        />
      </section>
    </div>
  );
}
