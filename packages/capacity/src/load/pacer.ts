// How many units (requests, messages) are due at a rate since it was set: the generator sends what is due and,
// when it falls more than a second behind, gives the backlog up (counted) rather than bursting it later.

export class Pacer {
  private startMs = 0;
  private unitsPerS = 0;
  private done = 0;

  set(unitsPerS: number, nowMs: number): void {
    this.unitsPerS = unitsPerS;
    this.startMs = nowMs;
    this.done = 0;
  }

  /** Units due now; `skipped` are given up because they are more than one second overdue. */
  due(nowMs: number): { due: number; skipped: number } {
    const total = Math.floor(((nowMs - this.startMs) / 1000) * this.unitsPerS);
    let due = total - this.done;
    let skipped = 0;
    if (due > this.unitsPerS && this.unitsPerS > 0) {
      skipped = due - Math.ceil(this.unitsPerS);
      this.done += skipped;
      due -= skipped;
    }
    return { due: Math.max(0, due), skipped };
  }

  took(units: number): void {
    this.done += units;
  }
}
