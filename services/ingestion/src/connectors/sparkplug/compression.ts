// Compressed Sparkplug B payloads, as Eclipse Tahu writes them (the 3.0 specification does not describe them):
// an outer payload with `uuid` "SPBV1.0_COMPRESSED", the encoded inner payload compressed in `body`, and a String
// metric `algorithm` saying how: "DEFLATE" (zlib stream; Tahu's default when the metric is absent) or "GZIP".
// The inflated size is bounded, so a small message cannot make the host allocate gigabytes (a zip bomb).
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

export const COMPRESSED_UUID = 'SPBV1.0_COMPRESSED';

export type CompressionAlgorithm = 'DEFLATE' | 'GZIP';

/** Why a compressed payload could not be inflated: the reject cause (DLQ header and metric label). */
export type InflateFailureCause = 'undecodable-compression' | 'decompressed-too-large';

export type InflateResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly cause: InflateFailureCause; readonly error: string };

/** Reads the `algorithm` metric's text; undefined (Tahu: DEFLATE) when the metric is absent. */
export function compressionAlgorithm(text: string | undefined): CompressionAlgorithm | undefined {
  if (text === undefined) return 'DEFLATE';
  const upper = text.trim().toUpperCase();
  return upper === 'DEFLATE' || upper === 'GZIP' ? upper : undefined;
}

/** Inflates `body`; more than `maxBytes` of output is refused as `decompressed-too-large`. */
export function inflateBody(
  algorithm: CompressionAlgorithm,
  body: Uint8Array,
  maxBytes: number,
): InflateResult {
  const options = { maxOutputLength: maxBytes };
  try {
    if (algorithm === 'GZIP') return { ok: true, bytes: gunzipSync(body, options) };
    try {
      return { ok: true, bytes: inflateSync(body, options) };
    } catch (error) {
      // Some edge nodes write DEFLATE without the zlib header (raw RFC 1951).
      if (!isHeaderError(error)) throw error;
      return { ok: true, bytes: inflateRawSync(body, options) };
    }
  } catch (error) {
    if (isTooLarge(error)) {
      return {
        ok: false,
        cause: 'decompressed-too-large',
        error: `${algorithm} body of ${body.byteLength} bytes inflates to more than ${maxBytes} bytes (maxDecompressedBytes)`,
      };
    }
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      cause: 'undecodable-compression',
      error: `${algorithm} body of ${body.byteLength} bytes does not inflate: ${reason}`,
    };
  }
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function isTooLarge(error: unknown): boolean {
  return error instanceof RangeError || codeOf(error) === 'ERR_BUFFER_TOO_LARGE';
}

function isHeaderError(error: unknown): boolean {
  return codeOf(error) === 'Z_DATA_ERROR' && error instanceof Error && /header/i.test(error.message);
}
