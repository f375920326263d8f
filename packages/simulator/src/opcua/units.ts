// UCUM codes of the simulator's signals -> OPC UA EUInformation (UNECE Rec 20 common codes, OPC UA Part 8).
import { EUInformation, makeEUInformation, standardUnits } from 'node-opcua';

const UNITS: Readonly<Record<string, () => EUInformation>> = {
  Cel: () => standardUnits.degree_celsius,
  A: () => standardUnits.ampere,
  s: () => standardUnits.second,
  // Not in node-opcua's table: UNECE C16 millimetre per second, C94 reciprocal minute.
  'mm/s': () => makeEUInformation('C16', 'mm/s', 'millimetre per second'),
  '1/min': () => makeEUInformation('C94', '1/min', 'reciprocal minute'),
};

export function euInformation(ucum: string | undefined): EUInformation | undefined {
  return ucum === undefined ? undefined : UNITS[ucum]?.();
}
