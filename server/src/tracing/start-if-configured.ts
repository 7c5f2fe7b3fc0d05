// The first thing each program runs. Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set, and then the
// OpenTelemetry SDK is loaded (a dynamic import) and its hooks installed before the program imports node:http
// or pg, which they patch. Off, nothing of the SDK is loaded: in particular no AsyncLocalStorage context
// manager, whose promise hooks cost 5-11% of the API's CPU on Node 20 (api/request-id.ts).
import { tracingConfig } from "../config.ts";
import { readEnv } from "../env.ts";

let stopTracing: () => Promise<void> = async () => {};

export async function startTracingIfConfigured(defaultServiceName: string): Promise<void> {
  let config: ReturnType<typeof tracingConfig>;
  try {
    config = tracingConfig(readEnv(), defaultServiceName);
  } catch {
    return; // The program reads the environment again and stops with the list of what is wrong.
  }
  if (!config) return;
  const { startTracing } = await import("./tracer-provider.ts");
  stopTracing = startTracing(config);
}

/** Sends the spans still waiting in the batch; a no-op when tracing is off. */
export function flushTracing(): Promise<void> {
  return stopTracing().catch(() => {});
}
