// The domain, shared with REST, names a field at fault as REST does: query parameters and JSON body paths
// (`from`, `cursor`, `assetId`, `settings.microStopThresholdS`). A gRPC client sent a request message and must be
// told the field by its path in that message, as the .proto names it (`end_time`, `page_token`, `asset.id`,
// `asset_ids[2]`). Each method says where the domain's names sit in its request; what every method means the same
// way is COMMON; anything else is at least written in the proto's snake_case.
import { ApiError } from '../errors';

/** Domain field name -> the field's path in one method's request. */
export type FieldNames = Readonly<Record<string, string>>;

const COMMON: FieldNames = {
  from: 'start_time',
  to: 'end_time',
  cursor: 'page_token',
  pageSize: 'page_size',
  assetId: 'asset_id',
  parentId: 'parent_id',
  siteId: 'site_id',
  stopId: 'stop_id',
  alertId: 'alert_id',
  signal: 'signals',
};

const snakeCaseOf = (path: string): string => path.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The request's path of a field the domain named. */
export const protoFieldOf = (field: string, names: FieldNames = {}): string =>
  names[field] ?? COMMON[field] ?? snakeCaseOf(field);

/** The reason of an ApiError without the `field: ` its message starts with. */
export function reasonOf(error: ApiError): string {
  const prefix = `${error.field ?? ''}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/** An ApiError about a field listed in `names` renamed to its request path; any other error unchanged. */
export function renamedField(error: unknown, names: FieldNames): unknown {
  if (!(error instanceof ApiError) || error.field === undefined) return error;
  const field = names[error.field];
  if (field === undefined) return error;
  return new ApiError(error.kind, `${field}: ${reasonOf(error)}`, field);
}

/** Runs domain work whose errors name a field that is, here, one of this request (e.g. one element of a list). */
export async function withFieldNames<T>(names: FieldNames, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw renamedField(error, names);
  }
}
