import type { ReactNode } from "react";

/** The frame of the screens outside the signed-in layout: the app's name over one centred card. */
export function AuthScreen({ children }: { children: ReactNode }) {
  return (
    <main className="auth-screen">
      <p className="auth-brand">Tasks</p>
      {children}
    </main>
  );
}
