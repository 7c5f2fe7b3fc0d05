// The pending/problem state of an action a person starts. React no longer warns about a state update after
// unmount, so the test watches the hook's state setters itself (React's useState, wrapped).
import { act, renderHook } from "@testing-library/react";
import { beforeEach, describe, expect, test, vi } from "vitest";
import { useAction } from "./use-action.ts";

const updates = vi.hoisted(() => ({ count: 0 }));
vi.mock("react", async (importOriginal) => {
  const react = await importOriginal<typeof import("react")>();
  return {
    ...react,
    useState: (initial: unknown) => {
      const [value, set] = react.useState(initial);
      return [
        value,
        (next: unknown) => {
          updates.count += 1;
          set(next);
        },
      ];
    },
  };
});

beforeEach(() => {
  updates.count = 0;
});

/** An action held open until the test answers it. */
function heldAction<Problem>() {
  let answer: (problem: Problem | null) => void = () => {};
  const action = () => new Promise<Problem | null>((resolve) => (answer = resolve));
  return { action, answer: (problem: Problem | null) => answer(problem) };
}

describe("an action a person starts", () => {
  test("is pending while it runs, then not, and leaves no problem when it worked", async () => {
    const { result } = renderHook(() => useAction());
    const held = heldAction<string>();
    let worked: Promise<boolean> = Promise.resolve(false);
    act(() => {
      worked = result.current.run(held.action);
    });
    expect(result.current.pending).toBe(true);
    await act(async () => held.answer(null));
    expect(await worked).toBe(true);
    expect(result.current.pending).toBe(false);
    expect(result.current.problem).toBeNull();
  });

  test("a failure leaves its problem, which the next run clears as it starts", async () => {
    const { result } = renderHook(() => useAction());
    let worked = true;
    await act(async () => {
      worked = await result.current.run(async () => "Wrong email or password. Check both and try again.");
    });
    expect(worked).toBe(false);
    expect(result.current).toMatchObject({ pending: false, problem: "Wrong email or password. Check both and try again." });

    const held = heldAction<string>();
    act(() => {
      void result.current.run(held.action);
    });
    expect(result.current).toMatchObject({ pending: true, problem: null });
    await act(async () => held.answer(null));
    expect(result.current).toMatchObject({ pending: false, problem: null });
  });

  test("an action that throws is no longer pending, and its error reaches the caller", async () => {
    const { result } = renderHook(() => useAction());
    const broken = new Error("broken");
    let thrown: unknown = null;
    await act(async () => {
      await result.current.run(async () => Promise.reject(broken)).catch((error: unknown) => (thrown = error));
    });
    expect(thrown).toBe(broken);
    expect(result.current.pending).toBe(false);
  });

  test("one whose success takes the screen away stays pending after success, not after a failure", async () => {
    const { result } = renderHook(() => useAction({ keepPendingAfterSuccess: true }));
    await act(async () => {
      await result.current.run(async () => "Could not sign out. Check your connection and try again.");
    });
    expect(result.current.pending).toBe(false);
    await act(async () => {
      await result.current.run(async () => null);
    });
    expect(result.current.pending).toBe(true);
  });

  test("after its screen has gone, an answer updates no state, and run still tells the caller it worked", async () => {
    const { result, unmount } = renderHook(() => useAction());
    const held = heldAction<string>();
    let worked: Promise<boolean> = Promise.resolve(false);
    act(() => {
      worked = result.current.run(held.action);
    });
    unmount();
    const before = updates.count;
    held.answer(null);
    expect(await worked).toBe(true);
    expect(updates.count).toBe(before);

    const failing = renderHook(() => useAction());
    const refused = heldAction<string>();
    let failed: Promise<boolean> = Promise.resolve(true);
    act(() => {
      failed = failing.result.current.run(refused.action);
    });
    failing.unmount();
    const beforeFailure = updates.count;
    refused.answer("Too many attempts. Wait a minute, then try again.");
    expect(await failed).toBe(false);
    expect(updates.count).toBe(beforeFailure);
  });
});
