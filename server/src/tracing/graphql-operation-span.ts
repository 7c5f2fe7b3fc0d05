// One span per GraphQL operation the API executes, named as OpenTelemetry's GraphQL conventions say
// ("query Tasks"), with the SQL it runs under it. Never the variables or the document: they hold what users
// wrote. An operation name is a GraphQL Name ([_A-Za-z][_0-9A-Za-z]*), so it cannot carry an address or a token.
// Off, @opentelemetry/api's no-op tracer makes this a function call per operation.
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";

const tracer = trace.getTracer("tasks-graphql");
const MAX_NAME_LENGTH = 100;

export const graphqlOperationSpan: Plugin = {
  onExecute({ args, executeFn, setExecuteFn }) {
    const operation = getOperationAST(args.document, args.operationName);
    const type = operation?.operation ?? "unknown";
    const name = operation?.name?.value.slice(0, MAX_NAME_LENGTH);
    setExecuteFn((executeArgs) => {
      const span = tracer.startSpan(name ? `${type} ${name}` : type, {
        attributes: { "graphql.operation.type": type, ...(name ? { "graphql.operation.name": name } : {}) },
      });
      const end = <T>(result: T): T => {
        const errors = (result as { errors?: readonly unknown[] } | undefined)?.errors;
        if (errors?.length) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        return result;
      };
      try {
        const result = context.with(trace.setSpan(context.active(), span), () => executeFn(executeArgs));
        return result instanceof Promise
          ? result.then(end, (error: unknown) => {
              span.setStatus({ code: SpanStatusCode.ERROR });
              span.end();
              throw error;
            })
          : end(result);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        throw error;
      }
    });
  },
};
