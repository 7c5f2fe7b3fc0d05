import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.tsx";
import { createAppAuthClient } from "./auth/auth-client.ts";
import "./styles.css";

const authClient = createAppAuthClient();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App authClient={authClient} />
  </StrictMode>,
);
