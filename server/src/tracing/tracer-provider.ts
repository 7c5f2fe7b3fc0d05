// OpenTelemetry, loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set (start-if-configured.ts). Spans go
// in batches over OTLP/HTTP (JSON) to the collector. What is traced: each HTTP request the services answer
// (named by route class, continuing an incoming W3C traceparent), the API's fetches (the JWKS, carrying the
// trace on), every SQL statement made inside a request (pg), plus the spans this project and Better Auth
// make themselves (token.verify, the GraphQL operation, Better Auth's endpoints).
import { createRequire } from "node:module";
import { IncomingMessage } from "node:http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import type { TracingConfig } from "../config.ts";
import { RedactingSpanProcessor } from "./redacting-span-processor.ts";
import { routeClass } from "./route-class.ts";

/** A second at most between a request and its spans reaching the collector: quick enough to look at one. */
const EXPORT_DELAY_MS = 1_000;

/** Installs tracing for the whole process; returns what flushes and stops it. */
export function startTracing(config: TracingConfig): () => Promise<void> {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName }),
    spanProcessors: [
      // First: it changes spans while they can still be changed, before the batch holds them.
      new RedactingSpanProcessor(),
      // The URL is given, so the exporter's own reading of OTEL_* variables never decides where spans go.
      new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl }), { scheduledDelayMillis: EXPORT_DELAY_MS }),
    ],
  });
  // The AsyncLocalStorage context manager and the W3C traceparent propagator, for every instrumentation.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Outgoing calls are fetch (undici, below); the exporter's own posts need no spans.
        disableOutgoingRequestInstrumentation: true,
        requestHook(span, request) {
          if (!(request instanceof IncomingMessage)) return;
          const route = routeClass(request.url);
          span.updateName(`${request.method ?? "HTTP"} ${route}`);
          span.setAttribute("http.route", route);
        },
      }),
      // Only fetches made while serving a request (the JWKS fetch under token.verify), with the traceparent added.
      new UndiciInstrumentation({ requireParentforSpans: true }),
      new PgInstrumentation({
        // Statements outside a request (the revocation feed's LISTEN, pool upkeep) would each be a trace of one span.
        requireParentSpan: true,
        // Stated, as the defaults: parameter values are never recorded, and the SQL text is left as it is.
        enhancedDatabaseReporting: false,
        addSqlCommenterCommentToQueries: false,
      }),
    ],
  });
  // The hooks patch modules as they are require()d; this project imports node:http and pg as ES modules,
  // which bypass those hooks. Requiring them once here lets the instrumentations patch the shared
  // prototypes (http.Server's emit, pg's Client.query) that the later imports use.
  const require = createRequire(import.meta.url);
  require("node:http");
  require("pg");
  return () => provider.shutdown();
}
