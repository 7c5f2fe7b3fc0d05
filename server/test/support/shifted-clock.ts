// Preloaded into a child process (`node --import`) to run it as on a host whose clock is off: Date.now()
// and `new Date()` run SHIFTED_CLOCK_MS ahead (negative: behind). Timers, performance.now() and every
// other process (the database included) keep the true time.
const shiftMs = Number(process.env.SHIFTED_CLOCK_MS ?? 0);
const TrueDate = Date;

class ShiftedDate extends TrueDate {
  constructor(...args: ConstructorParameters<DateConstructor> | []) {
    if (args.length === 0) super(TrueDate.now() + shiftMs);
    else super(...(args as [string | number | Date]));
  }

  static override now(): number {
    return TrueDate.now() + shiftMs;
  }
}

globalThis.Date = ShiftedDate as DateConstructor;
