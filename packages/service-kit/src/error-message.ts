/**
 * The message of anything thrown. Checks the shape rather than `instanceof Error`, which fails for errors
 * created in another realm (vm contexts, test sandboxes).
 */
export function errorMessage(error: unknown): string {
  if (
    typeof error === 'object' &&
    error !== null &&
    'message' in error &&
    typeof error.message === 'string'
  ) {
    return error.message;
  }
  return String(error);
}
