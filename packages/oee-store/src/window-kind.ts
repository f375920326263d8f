// How a window kind is stored and keyed: HOUR, SHIFT, ORDER, DAY.
import { oeeWindowKindToJSON, type OeeWindowKind } from '@kiln/contracts';

const KIND_PREFIX = 'OEE_WINDOW_KIND_';

/** The stored name of a window kind: HOUR, SHIFT, ORDER, DAY. */
export function kindName(kind: OeeWindowKind): string {
  return oeeWindowKindToJSON(kind).slice(KIND_PREFIX.length);
}
