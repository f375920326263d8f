// The IANA time zone of a site (`Europe/Berlin`): shift calendars, hours and days of OEE follow its wall clock,
// daylight saving included. Checked against the runtime's own zone data (Intl), the same the OEE core reads.

/** Whether the runtime knows `zone` as an IANA time zone name (`Europe/Berlin`, `America/Chicago`, `UTC`). */
export function isIanaTimeZone(zone: string): boolean {
  if (zone === '' || zone !== zone.trim() || /^[+-]/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
