// Outages on demand, for fault tests and demos: the next requests answer an HTTP error, or hang past the client's
// timeout, until the fault is cleared or its count runs out.

export type ErpFault =
  | { readonly kind: 'status'; readonly status: number; readonly remaining?: number }
  | { readonly kind: 'hang'; readonly delayMs: number; readonly remaining?: number }
  /** The request is processed, then the connection is dropped before the answer (a lost response). */
  | { readonly kind: 'drop-response'; readonly remaining?: number };

export class ErpFaults {
  private fault: { value: ErpFault; remaining: number } | undefined;

  /** Injects a fault for the next `remaining` requests (default: until cleared). */
  set(fault: ErpFault): void {
    this.fault = { value: fault, remaining: fault.remaining ?? Infinity };
  }

  clear(): void {
    this.fault = undefined;
  }

  /** The fault that applies to the request arriving now, if any (counts it). */
  take(): ErpFault | undefined {
    const fault = this.fault;
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.fault = undefined;
    return fault.value;
  }
}
