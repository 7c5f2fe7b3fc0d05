// Preloaded into the Prisma CLI process only (see migrate.server.ts). Prisma 6.19's WebAssembly schema
// engine arms a 10-second timer (its lock timeout) and never clears it, so every `migrate deploy` sat
// idle for 10 s after finishing. Unref'd long timers still fire while the CLI has work in flight
// (open sockets keep it alive); they just no longer hold a finished CLI open.
const setTimeoutOriginal = globalThis.setTimeout;
globalThis.setTimeout = function setTimeoutUnrefLong(callback, ms, ...args) {
  const timer = setTimeoutOriginal(callback, ms, ...args);
  if (typeof ms === "number" && ms >= 5000 && typeof timer?.unref === "function") timer.unref();
  return timer;
};
