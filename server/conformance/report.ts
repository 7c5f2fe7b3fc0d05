// One line per check as it finishes, then the counts. A check is a small async function that throws
// `CheckFailure` (or anything) to fail; a check that cannot run says so with `NotRun`, printed and counted,
// never silently left out.
export class CheckFailure extends Error {}

export class NotRun extends Error {}

export function fail(detail: string): never {
  throw new CheckFailure(detail);
}

export class Report {
  passed = 0;
  failed = 0;
  notRun = 0;

  constructor(private readonly write: (line: string) => void = (line) => console.log(line)) {}

  section(title: string): void {
    this.write(`\n# ${title}`);
  }

  note(line: string): void {
    this.write(`  ${line}`);
  }

  async check(name: string, run: () => Promise<unknown>): Promise<boolean> {
    try {
      const detail = await run();
      this.passed += 1;
      this.write(`PASS ${name}${typeof detail === "string" && detail ? ` (${detail})` : ""}`);
      return true;
    } catch (error) {
      if (error instanceof NotRun) {
        this.notRun += 1;
        this.write(`NOT RUN ${name}: ${error.message}`);
        return false;
      }
      this.failed += 1;
      const detail =
        error instanceof CheckFailure ? error.message : `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
      this.write(`FAIL ${name}: ${detail}`);
      return false;
    }
  }

  summary(): string {
    return `${this.passed} passed, ${this.failed} failed${this.notRun > 0 ? `, ${this.notRun} not run` : ""}`;
  }
}
