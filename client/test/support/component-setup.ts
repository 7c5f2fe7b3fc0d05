import { cleanup } from "@testing-library/react";
import { afterAll, afterEach } from "vitest";

afterEach(() => {
  cleanup();
  window.sessionStorage.clear();
  window.history.replaceState(null, "", "/");
});

// Better Auth's session store (nanostores) lets go of its listeners one second after its last subscriber
// unmounts (STORE_UNMOUNT_DELAY); one of them is removed from `window`. Wait that out before the file's
// happy-dom window is torn down, or the timer fires later in the reused worker and throws
// "target.removeEventListener is not a function" into whichever file runs next (seen once in a full run).
const STORE_UNMOUNT_DELAY_MS = 1_000;
afterAll(() => new Promise((resolve) => setTimeout(resolve, STORE_UNMOUNT_DELAY_MS + 100)));
