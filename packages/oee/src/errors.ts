/** An input the OEE core cannot compute with; the message names the offending value and what is expected. */
export class OeeInputError extends Error {
  constructor(
    message: string,
    /** Where the value sits in the input, e.g. `settings.microStopThresholdS` or `shifts[2]`. */
    readonly path: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'OeeInputError';
  }
}
