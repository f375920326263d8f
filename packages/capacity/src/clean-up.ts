// What a run has to undo (its processes, schemas, Redis keys, brokers and their data), undone once, newest first,
// at the end of the run, on a failure and on Ctrl-C. Each step is bounded in time: one that fails or cannot finish
// (a broker already gone, a lock never granted) is logged with what it leaves behind, and the next ones still run.

/** Resolves or rejects as `work` does, or rejects once `ms` have passed, naming `what` was not done. */
export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Step {
  /** What stays behind when the step fails: "schemas kiln_e2e_x, kiln_e2e_x_*". */
  readonly what: string;
  readonly withinMs: number;
  readonly undo: () => Promise<unknown>;
}

export class CleanUps {
  private readonly steps: Step[] = [];
  private readonly underWay = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(private readonly log: (line: string) => void) {}

  /**
   * Registers a step, run by run() before those registered earlier. Registered once the clean-up has begun (the
   * run went on starting something after Ctrl-C), it runs at once.
   */
  add(what: string, withinMs: number, undo: () => Promise<unknown>): void {
    const step = { what, withinMs, undo };
    if (this.running === undefined) this.steps.push(step);
    else void this.attempt(step);
  }

  /** Runs the steps once; a second caller (the failure that Ctrl-C caused in the run) waits for the same. */
  run(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  /** What is not undone yet: the steps under way and those still to run. */
  pending(): string[] {
    return [...this.underWay, ...this.steps.map((step) => step.what).reverse()];
  }

  private async runSteps(): Promise<void> {
    for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
      await this.attempt(step);
    }
  }

  private async attempt(step: Step): Promise<void> {
    this.underWay.add(step.what);
    try {
      await within(step.undo(), step.withinMs, step.what);
    } catch (error) {
      this.log(`clean-up: left behind ${step.what} (${messageOf(error)})`);
    } finally {
      this.underWay.delete(step.what);
    }
  }
}
