import { useEffect, useState } from "react";

export type Show = "all" | "open" | "completed";

export const SHOW_OPTIONS: { value: Show; label: string }[] = [
  { value: "all", label: "All" },
  { value: "open", label: "Open" },
  { value: "completed", label: "Completed" },
];

export function parseShow(value: string | null): Show {
  return value === "open" || value === "completed" ? value : "all";
}

const SEARCH_DELAY_MS = 300;

/** Open/completed filter and text search. The search is applied once typing pauses. */
export function TaskFilters({
  show,
  search,
  onShow,
  onSearch,
}: {
  show: Show;
  search: string;
  onShow(show: Show): void;
  onSearch(text: string): void;
}) {
  const [text, setText] = useState(search);

  // Follow the URL when it changes from outside (back button, "Show all tasks").
  useEffect(() => setText(search), [search]);

  useEffect(() => {
    if (text === search) return;
    const timer = setTimeout(() => onSearch(text), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, search, onSearch]);

  return (
    <div className="filters">
      <fieldset className="segmented">
        <legend className="visually-hidden">Show</legend>
        {SHOW_OPTIONS.map((option) => (
          <label key={option.value} className={option.value === show ? "selected" : undefined}>
            <input type="radio" name="show" value={option.value} checked={option.value === show} onChange={() => onShow(option.value)} />
            {option.label}
          </label>
        ))}
      </fieldset>
      <div className="search">
        <label htmlFor="task-search" className="visually-hidden">
          Search tasks
        </label>
        <input
          id="task-search"
          type="search"
          placeholder="Search tasks"
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter") onSearch(text);
          }}
        />
      </div>
    </div>
  );
}
