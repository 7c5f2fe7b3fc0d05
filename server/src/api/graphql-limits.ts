// Limits on what one GraphQL request may ask for, checked before any resolver runs. A request over a
// limit is refused with HTTP 400, code QUERY_TOO_COMPLEX and no data; the message names the kind of limit
// but never its value, so a client cannot probe for the edge. Each value leaves room over the largest
// legitimate document (test/graphql-limits.test.ts sends them): the SPA's task list with urql's
// __typename fields is 72 tokens, depth 4, no aliases or directives, cost about 5,800 with a literal
// `first: 100`; GraphiQL's introspection query is 184 tokens (depth and cost do not count __schema).
import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesPlugin } from "@escape.tech/graphql-armor-max-directives";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import {
  getNamedType,
  getOperationAST,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";
import { handleStreamOrSingleExecutionResult, type Plugin } from "graphql-yoga";
import type { ApiConfig } from "../config.ts";
import { PAGE_SIZE_MAX } from "../shared/paging.ts";

export const GRAPHQL_LIMITS = {
  /** Lexical tokens per document: counted while parsing, so a huge document is dropped early. */
  maxTokens: 1_000,
  /** Field nesting; the deepest path in the schema is 4 (tasks.edges.node.title). Fragments do not add. */
  maxDepth: 6,
  /** Aliased fields per operation: aliases multiply resolver work (the SPA uses none). */
  maxAliases: 10,
  /** Directives per operation (@include/@skip; the SPA uses none). */
  maxDirectives: 10,
  /** GraphQL Armor's cost estimate: objects 2, scalars 1, x1.5 per level, x `first` when it is a literal. */
  maxCost: 10_000,
  /** Tasks one operation may ask for across all its connections, `first` from variables included. */
  maxTasksPerOperation: PAGE_SIZE_MAX,
  /** Mutation fields per operation (aliases and fragments included): writes one request may make. */
  maxMutationFields: 5,
  /** Bytes of request body. The largest legitimate one, a 10,000-character description of
   * characters JSON escapes as \uXXXX, is about 60 KB. */
  maxRequestBodyBytes: 100_000,
  /** Characters of URL (GET requests carry the query and variables there). */
  maxUrlLength: 16_384,
} as const;

export const LIMIT_EXCEEDED_CODE = "QUERY_TOO_COMPLEX";

const MESSAGES = {
  tokens: "The query is too long.",
  depth: "The query is nested too deeply.",
  aliases: "The query uses too many aliases.",
  directives: "The query uses too many directives.",
  cost: "The query is too expensive: ask for fewer fields or a smaller page.",
  tasks: "The query asks for too many tasks at once: ask for fewer per page.",
  mutations: "The operation makes too many changes at once: send at most five per request.",
  url: "The request URL is too long: send the query in a POST body.",
} as const;

/**
 * Status 400 whatever the Accept header says: Yoga would answer a spec validation error with 200 to a
 * legacy application/json client (http.spec), but an abusive request is refused for everyone.
 */
function limitExceeded(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: LIMIT_EXCEEDED_CODE, http: { status: 400, spec: false } } });
}

/** Armor's own error says "Syntax Error: Query validation error."; report ours instead, and go on validating. */
function reportAs(message: string) {
  return {
    exposeLimits: false,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null) => context?.reportError(limitExceeded(message))],
  };
}

/** The plugins that enforce every limit above except the body size, which is Yoga's own option. */
export function graphqlLimits(config: Pick<ApiConfig, "production">): Plugin[] {
  return [
    rejectLongUrls(),
    // The parser is stopped at the first token over the limit: throwing here aborts the parse.
    maxTokensPlugin({
      n: GRAPHQL_LIMITS.maxTokens,
      exposeLimits: false,
      onReject: [
        () => {
          throw limitExceeded(MESSAGES.tokens);
        },
      ],
    }),
    maxDepthPlugin({ n: GRAPHQL_LIMITS.maxDepth, flattenFragments: true, ...reportAs(MESSAGES.depth) }),
    maxAliasesPlugin({ n: GRAPHQL_LIMITS.maxAliases, ...reportAs(MESSAGES.aliases) }),
    maxDirectivesPlugin({ n: GRAPHQL_LIMITS.maxDirectives, ...reportAs(MESSAGES.directives) }),
    costLimitPlugin({ maxCost: GRAPHQL_LIMITS.maxCost, flattenFragments: true, ...reportAs(MESSAGES.cost) }),
    limitTasksPerOperation(GRAPHQL_LIMITS.maxTasksPerOperation),
    limitMutationFields(GRAPHQL_LIMITS.maxMutationFields),
    refuseForEveryClient(),
    ...(config.production ? [hideSuggestions()] : []),
  ];
}

/**
 * Yoga marks every parse error as a spec error (`http.spec`), which it answers with 200 to a legacy
 * application/json client; the token limit is enforced while parsing, so unmark it here.
 */
function refuseForEveryClient(): Plugin {
  return {
    onExecutionResult({ result }) {
      if (!result || !("errors" in result) || !Array.isArray(result.errors)) return;
      for (const error of result.errors as GraphQLError[]) {
        const http = error.extensions?.http as { spec?: boolean } | undefined;
        if (error.extensions?.code === LIMIT_EXCEEDED_CODE && http) http.spec = false;
      }
    },
  };
}

function rejectLongUrls(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.url.length > GRAPHQL_LIMITS.maxUrlLength) {
        throw new GraphQLError(MESSAGES.url, { extensions: { code: "URI_TOO_LONG", http: { status: 414 } } });
      }
    },
  };
}

/**
 * Armor's cost estimate reads `first` only when it is written in the query; the SPA sends it as a
 * variable. This counts the tasks an operation asks for with the variables it came with, so ten
 * aliased `tasks(first: $n)` cannot read ten pages. It runs at execution because validation results are
 * cached per document, whatever the variables. Each page size is capped at the schema's maximum here:
 * a larger one is refused by the resolver with its own message.
 */
function limitTasksPerOperation(limit: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const requested = tasksRequested(args.schema, args.document, args.operationName, args.variableValues);
      if (requested > limit) setResultAndStopExecution({ errors: [limitExceeded(MESSAGES.tasks)] });
    },
  };
}

/** One account writing thousands of rows with one request (aliased createTask) is refused before any write. */
function limitMutationFields(limit: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const document = args.document as DocumentNode;
      const operation = getOperationAST(document, args.operationName);
      if (operation?.operation !== "mutation") return;
      const fragments = new Map<string, FragmentDefinitionNode>(
        document.definitions.flatMap((definition) =>
          definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition]] : [],
        ),
      );
      // Fields with the same response name merge into one execution, so count distinct names.
      const responseNames = new Set<string>();
      const expanded = new Set<string>();
      const collect = (selectionSet: SelectionSetNode): void => {
        for (const selection of selectionSet.selections) {
          if (selection.kind === Kind.FIELD) {
            if (selection.name.value !== "__typename") responseNames.add(selection.alias?.value ?? selection.name.value);
          } else if (selection.kind === Kind.INLINE_FRAGMENT) {
            collect(selection.selectionSet);
          } else {
            const fragment = fragments.get(selection.name.value);
            if (!fragment || expanded.has(fragment.name.value)) continue; // once each; cycles are refused by validation
            expanded.add(fragment.name.value);
            collect(fragment.selectionSet);
          }
        }
      };
      collect(operation.selectionSet);
      if (responseNames.size > limit) setResultAndStopExecution({ errors: [limitExceeded(MESSAGES.mutations)] });
    },
  };
}

/** The rows an operation asks for: each field with a `first` argument counts first x (1 + rows per item). */
export function tasksRequested(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition]] : [],
    ),
  );
  // Counted once per fragment however often it is spread, so nested spreads cannot make this slow.
  const fragmentRows = new Map<string, number>();

  const pageSize = (field: FieldNode, argument: GraphQLArgument): number => {
    const node = field.arguments?.find((candidate) => candidate.name.value === argument.name)?.value;
    let value: unknown = argument.defaultValue;
    if (node?.kind === Kind.VARIABLE) {
      const name = node.name.value;
      const definition = operation.variableDefinitions?.find((candidate) => candidate.variable.name.value === name);
      value = variables?.[name] ?? (definition?.defaultValue ? valueFromASTUntyped(definition.defaultValue) : argument.defaultValue);
    } else if (node) {
      value = valueFromASTUntyped(node) ?? argument.defaultValue;
    }
    return typeof value === "number" && Number.isFinite(value) ? Math.min(Math.max(value, 0), PAGE_SIZE_MAX) : 0;
  };

  const rows = (selectionSet: SelectionSetNode, type: GraphQLNamedType | null | undefined): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[selection.name.value] : undefined;
        if (!field) continue;
        const inner = selection.selectionSet ? rows(selection.selectionSet, getNamedType(field.type)) : 0;
        const first = field.args.find((argument) => argument.name === "first");
        total += first ? pageSize(selection, first) * (1 + inner) : inner;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += rows(selection.selectionSet, selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type);
      } else {
        const name = selection.name.value;
        if (!fragmentRows.has(name)) {
          fragmentRows.set(name, 0); // a cycle (refused by validation anyway) counts nothing
          const fragment = fragments.get(name);
          fragmentRows.set(name, fragment ? rows(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value)) : 0);
        }
        total += fragmentRows.get(name) ?? 0;
      }
    }
    return total;
  };

  return rows(operation.selectionSet, root);
}

// graphql-js appends `Did you mean "title"?` and `Did you mean the enum value "TITLE"?` to validation
// and variable errors. Armor's block-field-suggestions only knows the first form, so this covers both.
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

function withoutSuggestion<E extends Error>(error: E): E {
  error.message = error.message.replace(SUGGESTION, "");
  return error;
}

/**
 * Outside development, error messages never suggest field, argument, type or enum names: with
 * introspection off they would reveal the schema one guess at a time. Development keeps them (typing
 * a query by hand in GraphiQL or curl is easier with them, and introspection is on there anyway).
 */
function hideSuggestions(): Plugin {
  return {
    onValidate() {
      return ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map(withoutSuggestion));
      };
    },
    onExecute() {
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result }) => {
            result.errors?.forEach(withoutSuggestion);
          });
        },
      };
    },
  };
}
