import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.tsx";
import { createAppAuthClient } from "./auth/auth-client.ts";
import { createDpopKeyStore } from "./auth/dpop-key.ts";
import { followUserActions } from "./tracing/trace-context.ts";
import "./styles.css";

followUserActions(document);
const authClient = createAppAuthClient();
const dpopKeys = createDpopKeyStore();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App authClient={authClient} dpopKeys={dpopKeys} />
  </StrictMode>,
);
