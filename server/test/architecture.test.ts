// Structural rules that keep isolation true by construction, read through the TypeScript compiler: the
// parse for SQL text, the pool, the environment and imports; the type checker for Prisma's Task delegate.
// server/bench is not held to the Task rules: it seeds its own throwaway database as a superuser, by
// design, and is no part of the services; it is held to the import rule (no test code).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type * as TypeScript from "typescript";
import { describe, expect, test } from "vitest";
import { projectRoot } from "../src/paths.ts";

// Loaded with require: an ESM import of the 9 MB CommonJS compiler scans it for exports first (~1 s).
const ts = createRequire(import.meta.url)("typescript") as typeof TypeScript;

const sourceRoot = path.join(projectRoot, "server", "src");
const taskDoor = path.join(sourceRoot, "tasks");
const benchRoot = path.join(projectRoot, "server", "bench");
const testRoot = path.join(projectRoot, "server", "test");

const inside = (directory: string) => (file: string) => file === directory || file.startsWith(directory + path.sep);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const full = path.join(directory, entry);
    if (statSync(full).isDirectory()) return entry === "generated" ? [] : sourceFiles(full);
    return /\.(ts|cts|mts|js|cjs|mjs)$/.test(entry) ? [full] : [];
  });
}

/** SQL text naming the Task table: FROM/JOIN/INTO/UPDATE/TABLE/TRUNCATE/COPY task, quoted or not, any case. */
const TASK_TABLE_SQL = /\b(?:from|join|into|update|table|truncate|copy)\s+(?:only\s+)?(?:"?public"?\s*\.\s*)?(?:"task"|task\b)/i;

/** The modules allowed to hold Prisma's pg pool: the Task door, the user store, the audit trail's reads and the db module itself. */
const POOL_HOLDERS = [taskDoor, path.join(sourceRoot, "users"), path.join(sourceRoot, "audit"), path.join(sourceRoot, "db")];

/**
 * The text a string-valued expression can have, as far as the parse shows: literals, templates (a
 * placeholder for each substitution) and + concatenations of them.
 */
function literalText(node: TypeScript.Expression): string | undefined {
  if (ts.isStringLiteralLike(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((span) => ` \u0000 ${span.literal.text}`).join("");
  if (ts.isParenthesizedExpression(node)) return literalText(node.expression);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = literalText(node.left);
    const right = literalText(node.right);
    if (left !== undefined || right !== undefined) return `${left ?? " \u0000 "}${right ?? " \u0000 "}`;
  }
  return undefined;
}

/**
 * What the parse alone shows of a source reaching the Task table or the pool: SQL text naming the table
 * (in any string, template or concatenation; comments never count) and any mention of `poolOf`.
 */
function findTaskAccessInSource(source: string, fileName = "source.ts"): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: TypeScript.Node, what: string) =>
    found.push(`${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}: ${what}: ${node.getText(file).slice(0, 80)}`);
  function visit(node: TypeScript.Node): void {
    if (
      ts.isExpression(node) &&
      !(node.parent && ts.isBinaryExpression(node.parent) && node.parent.operatorToken.kind === ts.SyntaxKind.PlusToken)
    ) {
      const text = literalText(node);
      if (text !== undefined && TASK_TABLE_SQL.test(text)) return void report(node, "Task table SQL");
    }
    if (ts.isIdentifier(node) && node.text === "poolOf") report(node, "the pool");
    if (ts.isStringLiteralLike(node) && node.text === "poolOf") report(node, "the pool");
    ts.forEachChild(node, visit);
  }
  visit(file);
  return found;
}

/**
 * What the types show: any use of Prisma's Task delegate (db.task, tx.task, db["task"], const { task } = db),
 * found by resolving the member to its declaration in the generated Prisma client, however the client
 * value was named or passed around.
 */
function findTaskDelegates(program: TypeScript.Program, file: TypeScript.SourceFile): string[] {
  const checker = program.getTypeChecker();
  const found: string[] = [];
  const isPrismaMember = (symbol: TypeScript.Symbol | undefined) =>
    symbol?.declarations?.some((declaration) =>
      declaration.getSourceFile().fileName.includes(`${path.sep}generated${path.sep}prisma${path.sep}`),
    ) ?? false;
  function visit(node: TypeScript.Node): void {
    let member: TypeScript.Symbol | undefined;
    if (ts.isPropertyAccessExpression(node) && node.name.text === "task") member = checker.getSymbolAtLocation(node.name);
    if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && node.argumentExpression.text === "task") {
      member = checker.getTypeAtLocation(node.expression).getProperty("task");
    }
    if (ts.isBindingElement(node)) {
      const key = node.propertyName ?? node.name;
      if ((ts.isIdentifier(key) || ts.isStringLiteralLike(key)) && key.text === "task")
        member = checker.getTypeAtLocation(node.parent).getProperty("task");
    }
    if (isPrismaMember(member))
      found.push(`${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}: ${node.getText(file).slice(0, 80)}`);
    ts.forEachChild(node, visit);
  }
  visit(file);
  return found;
}

/** One typed program over server/src, plus extra in-memory files (the detector's own cases). */
function typedProgram(extra: Record<string, string>): TypeScript.Program {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(projectRoot, "server", "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error("server/tsconfig.json did not parse");
  const host = ts.createCompilerHost(config.options);
  const readFromDisk = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, ...rest) =>
    fileName in extra ? ts.createSourceFile(fileName, extra[fileName]!, language, true) : readFromDisk(fileName, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => fileName in extra || fileExists(fileName);
  return ts.createProgram({ rootNames: [...sourceFiles(sourceRoot), ...Object.keys(extra)], options: config.options, host });
}

const outsideTheDoor = (file: string) => !inside(taskDoor)(file);

describe("the one door to Task data", () => {
  const attacks = [
    'await pool.query(`UPDATE "task" SET "userId" = $1`);',
    'await pool.query(\'INSERT INTO "task" ("id") VALUES ($1)\');',
    'const text = `SELECT u.* FROM "user" u JOIN "task" t ON t."userId" = u."id"`;',
    "const text = 'select * from task where id = $1';",
    'const text = "DELETE FROM public.task";',
    'const text = "TRUNCATE TABLE task";',
    'const text = "SELECT * FROM " + \'"task"\';',
    'const text = `SELECT ${columns} FROM "task" WHERE "id" = ${id}`;',
    'import { poolOf } from "../db/client.ts";',
    'import * as client from "../db/client.ts"; const pool = client.poolOf(db);',
    'import * as client from "../db/client.ts"; const pool = client["poolOf"](db);',
  ];
  const innocent = [
    "context.tasks.find(viewer.userId, id);",
    '// SELECT * FROM "task" is for the door only',
    'const text = `SELECT count(*) FROM "user"`;',
    'const text = "FROM tasks_view";',
    'const label = "Removes the task";',
    "const from = task; resolve: (event) => event.task;",
  ];

  test("the parse finds SQL naming the Task table and the pool however they are spelled", () => {
    for (const source of attacks) expect(findTaskAccessInSource(source), source).not.toEqual([]);
    for (const source of innocent) expect(findTaskAccessInSource(source), source).toEqual([]);
  });

  // One typed program for both tests below (about 5 s: it resolves Prisma's generated types).
  const delegateCases: Record<string, string> = {
    "db.task.findMany({})": "db.task.findMany({});",
    'db["task"].count()': 'db["task"].count();',
    "const { task } = db": "const { task } = db; task.deleteMany({});",
    "tx.task in a transaction": "db.$transaction(async (tx) => tx.task.update({ where: { id: '1' }, data: {} }));",
    "a client under another name": "const anything = db; anything.task.create({ data: {} as never });",
  };
  const innocentCases: Record<string, string> = {
    "event.task": "declare const event: { task: { id: string } | null }; event.task?.id;",
    "db.user": "db.user.count();",
  };
  const caseFile = (_label: string, index: number) => path.join(sourceRoot, `__delegate_case_${index}__.ts`);
  const preamble = 'import type { Db } from "./db/client.ts"; declare const db: Db;\n';
  const labels = [...Object.keys(delegateCases), ...Object.keys(innocentCases)];
  const all = { ...delegateCases, ...innocentCases };
  let program: TypeScript.Program | undefined;
  const typed = () =>
    (program ??= typedProgram(Object.fromEntries(labels.map((label, index) => [caseFile(label, index), preamble + all[label]]))));

  test("the types find Prisma's Task delegate however the client is named or reached", () => {
    labels.forEach((label, index) => {
      const file = typed().getSourceFile(caseFile(label, index))!;
      if (label in delegateCases) expect(findTaskDelegates(typed(), file), label).not.toEqual([]);
      else expect(findTaskDelegates(typed(), file), label).toEqual([]);
    });
  }, 60_000);

  test("no code outside server/src/tasks/ touches the Task table, and only the door, the user store and db/ hold the pool", () => {
    const offenders = sourceFiles(sourceRoot).flatMap((file) => {
      const relative = path.relative(projectRoot, file);
      const inSource = findTaskAccessInSource(readFileSync(file, "utf8"), file).filter(
        (finding) =>
          (outsideTheDoor(file) && finding.includes("Task table SQL")) ||
          (finding.includes("the pool") && !POOL_HOLDERS.some((holder) => inside(holder)(file))),
      );
      // The typed program holds the TypeScript files; the one .cjs file (db/prisma-cli-preload.cjs) has only the parse checks.
      const typedFile = outsideTheDoor(file) ? typed().getSourceFile(file) : undefined;
      const delegates = typedFile ? findTaskDelegates(typed(), typedFile) : [];
      return [...inSource, ...delegates].map((finding) => `${relative}:${finding}`);
    });
    expect(offenders).toEqual([]);
  }, 60_000);

  test("every function of the task store takes the owner's id first, except the admin counts", () => {
    const store = readFileSync(path.join(taskDoor, "task-store.ts"), "utf8");
    const methods = [...store.matchAll(/^ {4}(?:async )?(\w+)\((.*?)\)/gm)].map(([, name, params]) => ({ name, params }));
    expect(methods.map((method) => method.name).sort()).toEqual([
      "changes",
      "countAllForAdmin",
      "countsForAdmin",
      "create",
      "delete",
      "find",
      "page",
      "update",
    ]);
    for (const method of methods.filter((candidate) => !candidate.name?.endsWith("ForAdmin"))) {
      expect(method.params, method.name).toMatch(/^ownerId: string/);
    }
  });

  test("no GraphQL input type carries an owner", () => {
    const sdl = readFileSync(path.join(projectRoot, "server", "schema.graphql"), "utf8");
    // The one exception is the admin-only audit filter: an admin picks whose events to read, the
    // field is behind the admin scope, and nothing is written with it (admin-users.test.ts).
    const inputs = [...sdl.matchAll(/^input (\w+) \{([\s\S]*?)^\}/gm)].filter(([, name]) => name !== "AuditEventFilter");
    expect(inputs.length).toBeGreaterThan(0);
    for (const [, name, body] of inputs) expect(body, name).not.toMatch(/userId|owner/i);
  });
});

/** The names `process` is known by in a file: the global, and what imports or aliases bind it to. */
const PROCESS_MODULES = new Set(["process", "node:process"]);

/**
 * Every place a source reads the environment through `process`, however it is spelled: `process.env`,
 * `process["env"]`, a dynamic `process[key]`, destructuring `env` (or a rest) out of process, `env` imported
 * from node:process, and process itself imported, required, aliased or reached through globalThis.
 * Parsed with the TypeScript compiler, so comments and strings never count.
 */
function findEnvironmentReads(source: string, fileName = "source.ts"): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const processNames = new Set(["process"]);
  const reads: string[] = [];
  const report = (node: TypeScript.Node) =>
    reads.push(`${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}: ${node.getText(file)}`);
  const keyOf = (node: TypeScript.ElementAccessExpression) =>
    ts.isStringLiteralLike(node.argumentExpression) ? node.argumentExpression.text : undefined;
  const isProcessModule = (node: TypeScript.Node | undefined) =>
    node !== undefined && ts.isStringLiteralLike(node) && PROCESS_MODULES.has(node.text);
  const isGlobalObject = (node: TypeScript.Expression) => ts.isIdentifier(node) && (node.text === "globalThis" || node.text === "global");

  function unwrap(node: TypeScript.Expression): TypeScript.Expression {
    if (ts.isParenthesizedExpression(node) || ts.isNonNullExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) {
      return unwrap(node.expression);
    }
    if (ts.isTypeAssertionExpression(node) || ts.isAwaitExpression(node)) return unwrap(node.expression);
    return node;
  }

  function isProcess(expression: TypeScript.Expression): boolean {
    const node = unwrap(expression);
    if (ts.isIdentifier(node)) return processNames.has(node.text);
    if (ts.isPropertyAccessExpression(node)) return node.name.text === "process" && isGlobalObject(unwrap(node.expression));
    if (ts.isElementAccessExpression(node)) return keyOf(node) === "process" && isGlobalObject(unwrap(node.expression));
    // require("node:process"), import("node:process")
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const loads = callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require");
      return loads && isProcessModule(node.arguments[0]);
    }
    return false;
  }

  /** First pass: the names process is bound to (imports, `const p = process`), until nothing new is found. */
  function collectNames(node: TypeScript.Node): void {
    if (ts.isImportDeclaration(node) && isProcessModule(node.moduleSpecifier)) {
      const clause = node.importClause;
      if (clause?.name) processNames.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) processNames.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements)
          if ((element.propertyName ?? element.name).text === "default") processNames.add(element.name.text);
      }
    }
    if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      isProcessModule(node.moduleReference.expression)
    ) {
      processNames.add(node.name.text);
    }
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && isProcess(node.initializer)) {
      processNames.add(node.name.text);
    }
    ts.forEachChild(node, collectNames);
  }

  function findReads(node: TypeScript.Node): void {
    if (ts.isPropertyAccessExpression(node) && node.name.text === "env" && isProcess(node.expression)) report(node);
    if (ts.isElementAccessExpression(node) && isProcess(node.expression) && (keyOf(node) === "env" || keyOf(node) === undefined))
      report(node);
    if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer && isProcess(node.initializer)) {
      const takesEnv = node.name.elements.some((element) => {
        if (element.dotDotDotToken) return true;
        const key = element.propertyName ?? element.name;
        return !(ts.isIdentifier(key) || ts.isStringLiteralLike(key)) || key.text === "env";
      });
      if (takesEnv) report(node);
    }
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && isProcessModule(node.moduleSpecifier)) {
      const bindings = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : node.exportClause;
      const named = bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings)) ? bindings.elements : [];
      if (named.some((element) => (element.propertyName ?? element.name).text === "env")) report(node);
      if (ts.isExportDeclaration(node) && !node.exportClause) report(node); // export * from "node:process"
    }
    ts.forEachChild(node, findReads);
  }

  let known = -1;
  while (known !== processNames.size) {
    known = processNames.size;
    collectNames(file);
  }
  findReads(file);
  return reads;
}

describe("environment", () => {
  test("the detector finds the environment read however it is spelled", () => {
    const spellings = [
      "const port = process.env.PORT;",
      "const port = process?.env?.PORT;",
      'const port = process["env"].PORT;',
      "const port = process[`env`].PORT;",
      'const key = "env"; const value = process[key];',
      "const port = (process as NodeJS.Process).env.PORT;",
      "const { env } = process;",
      "const { env: environment } = process;",
      "const { argv, ...everything } = process;",
      'import { env } from "node:process";',
      'import { env as environment } from "process";',
      'import process from "node:process"; const port = process.env.PORT;',
      'import proc from "node:process"; const port = proc.env.PORT;',
      'import * as proc from "node:process"; const port = proc.env.PORT;',
      'import { default as proc } from "node:process"; const port = proc.env.PORT;',
      'import proc = require("node:process"); const port = proc.env.PORT;',
      'const port = require("node:process").env.PORT;',
      'const port = (await import("node:process")).env.PORT;',
      "const running = process; const alias = running; const port = alias.env.PORT;",
      "const port = globalThis.process.env.PORT;",
      'const port = globalThis["process"]["env"].PORT;',
      'export { env } from "node:process";',
    ];
    for (const source of spellings) expect(findEnvironmentReads(source), source).not.toEqual([]);
  });

  test("the detector ignores process used for anything else, comments and strings", () => {
    const innocent = [
      "process.exit(1);",
      "const args = process.argv.includes('--serve-spa');",
      "const emitter: NodeJS.EventEmitter = process; emitter.on('exit', () => {});",
      'import { argv } from "node:process";',
      "// process.env.PORT is read in env.ts only",
      'const hint = "set process.env.PORT";',
      "const env = readEnv(); const port = env.PORT;",
      "const port = config.env.PORT;",
    ];
    for (const source of innocent) expect(findEnvironmentReads(source), source).toEqual([]);
  });

  test("only server/src/env.ts reads process.env", () => {
    const readers = sourceFiles(sourceRoot)
      .filter((file) => findEnvironmentReads(readFileSync(file, "utf8"), file).length > 0)
      .map((file) => path.relative(projectRoot, file));
    // migrate.server.ts passes the environment through to the Prisma CLI child process untouched.
    expect(readers.sort()).toEqual(["server/src/db/migrate.server.ts", "server/src/env.ts"]);
  });
});

/** A module specifier no checker can follow: import(name) or require(name) with a computed name. */
const COMPUTED_IMPORT = "<computed>";

/**
 * Every module a source loads, however it is spelled: import and export declarations (type-only too),
 * `import x = require()`, `import()`, `require()` and `import("...").Type`. Relative specifiers come back
 * resolved against the file, bare ones (packages) as written, and a computed name as COMPUTED_IMPORT.
 */
function findImports(source: string, fileName: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const add = (specifier: TypeScript.Node | undefined) => {
    if (specifier === undefined) return;
    if (!ts.isStringLiteralLike(specifier)) return void found.push(COMPUTED_IMPORT);
    const name = specifier.text;
    found.push(name.startsWith(".") ? path.resolve(path.dirname(fileName), name) : name);
  };
  function visit(node: TypeScript.Node): void {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) add(node.moduleSpecifier);
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require")) add(node.arguments[0]);
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    ts.forEachChild(node, visit);
  }
  visit(file);
  return found;
}

/** Files under `root` that load a module by a computed name. */
function computedImports(root: string): string[] {
  return sourceFiles(root)
    .filter((file) => findImports(readFileSync(file, "utf8"), file).includes(COMPUTED_IMPORT))
    .map((file) => path.relative(projectRoot, file));
}

// Which module may import which is kept by dependency-cruiser (.dependency-cruiser.cjs, run by `pnpm lint`),
// transitively; it cannot follow a module loaded by a computed name, so none may be.
describe("imports", () => {
  const here = path.join(benchRoot, "main.ts");
  const testModule = path.join(testRoot, "support", "free-port.ts");

  test("the detector finds a module however it is loaded", () => {
    const spellings = [
      'import { freePort } from "../test/support/free-port.ts";',
      'import type { FreePort } from "../test/support/free-port.ts";',
      'import * as ports from "../test/support/free-port.ts";',
      'import "../test/support/free-port.ts";',
      'export { freePort } from "../test/support/free-port.ts";',
      'export * from "../test/support/free-port.ts";',
      'import ports = require("../test/support/free-port.ts");',
      'const ports = await import("../test/support/free-port.ts");',
      'const ports = require("../test/support/free-port.ts");',
      'let port: import("../test/support/free-port.ts").Port;',
    ];
    for (const source of spellings) expect(findImports(source, here), source).toContain(testModule);
    expect(findImports("const ports = await import(name);", here)).toEqual([COMPUTED_IMPORT]);
    expect(findImports("const ports = require(`../test/${name}`);", here)).toEqual([COMPUTED_IMPORT]);
    expect(findImports('import { freePort } from "../src/net/free-port.ts"; // "../test/support/free-port.ts"', here)).toEqual([
      path.join(sourceRoot, "net", "free-port.ts"),
    ]);
    expect(findImports('const hint = "../test/support/free-port.ts";', here)).toEqual([]);
  });

  test("no module of the server or the benchmark is loaded by a computed name, which no import rule can follow", () => {
    expect([...computedImports(sourceRoot), ...computedImports(benchRoot)]).toEqual([]);
  });

  // dependency-cruiser follows only what runs (type-only imports vanish at run time, and it skips them), but a
  // type named from api/ still ties the schema to the service that serves it, as builder.ts's Context once did.
  test("the schema, the builder, graphql/ and token-verification/ name nothing of api/, not even a type; the verifier nothing of GraphQL", () => {
    const filesIn = (...folders: string[]) => folders.flatMap((folder) => sourceFiles(path.join(sourceRoot, folder)));
    const importsOf = (files: string[], forbidden: string[]) =>
      files.flatMap((file) =>
        findImports(readFileSync(file, "utf8"), file)
          .filter((target) => forbidden.some((place) => inside(place)(target)))
          .map((target) => `${path.relative(projectRoot, file)} -> ${path.relative(projectRoot, target)}`),
      );
    const builder = path.join(sourceRoot, "builder.ts");
    const api = path.join(sourceRoot, "api");
    expect(importsOf([builder, ...filesIn("schema", "graphql", "token-verification")], [api])).toEqual([]);
    const graphqlSide = [builder, path.join(sourceRoot, "schema"), path.join(sourceRoot, "graphql")];
    expect(importsOf(filesIn("token-verification"), graphqlSide)).toEqual([]);
  });
});
