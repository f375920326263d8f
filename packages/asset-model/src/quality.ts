// Sample quality after OPC UA status codes (Part 4, 7.39: the top two bits are the severity) and Sparkplug
// staleness (the connector marks stale metrics uncertain or bad before they get here).
import { Quality } from '@kiln/contracts';

/** OPC UA StatusCode severity: 00 good, 01 uncertain, 10 and 11 bad. */
export function qualityFromOpcUaStatus(statusCode: number): Quality {
  const severity = (statusCode >>> 30) & 0b11;
  if (severity === 0) return Quality.QUALITY_GOOD;
  if (severity === 1) return Quality.QUALITY_UNCERTAIN;
  return Quality.QUALITY_BAD;
}

/** The connector's quality where it set one, else the one implied by the source status code (0 = good). */
export function effectiveQuality(quality: Quality, statusCode: number): Quality {
  return quality === Quality.QUALITY_UNSPECIFIED ? qualityFromOpcUaStatus(statusCode) : quality;
}
