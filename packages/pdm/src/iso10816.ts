// Vibration severity zones for velocity RMS (mm/s, 10-1000 Hz) after ISO 10816-3:2009 / ISO 20816-3:2022,
// Table A.1 (machine groups 1 and 2 on rigid or flexible foundations). Zone A: newly commissioned machines;
// B: acceptable for unrestricted long-term operation; C: unsatisfactory for long-term continuous operation;
// D: severe enough to cause damage.

export type VibrationZone = 'A' | 'B' | 'C' | 'D';
/** Group 1: large machines, rated power above 300 kW; group 2: medium machines, 15 kW to 300 kW. */
export type MachineGroup = 1 | 2;
export type FoundationType = 'rigid' | 'flexible';

export interface ZoneBoundaries {
  /** Boundaries in mm/s; must increase: abMmPerS < bcMmPerS < cdMmPerS. */
  readonly abMmPerS: number;
  readonly bcMmPerS: number;
  readonly cdMmPerS: number;
}

export const ISO_10816_3_BOUNDARIES: Readonly<Record<`${MachineGroup}-${FoundationType}`, ZoneBoundaries>> = {
  '1-rigid': { abMmPerS: 2.3, bcMmPerS: 4.5, cdMmPerS: 7.1 },
  '1-flexible': { abMmPerS: 3.5, bcMmPerS: 7.1, cdMmPerS: 11.0 },
  '2-rigid': { abMmPerS: 1.4, bcMmPerS: 2.8, cdMmPerS: 4.5 },
  '2-flexible': { abMmPerS: 2.3, bcMmPerS: 4.5, cdMmPerS: 7.1 },
};

export interface SeverityClass {
  readonly group: MachineGroup;
  readonly foundation: FoundationType;
  /** Site-specific boundaries (from the manufacturer or experience) replace the table. */
  readonly custom?: ZoneBoundaries;
}

export function zoneBoundaries(severity: SeverityClass): ZoneBoundaries {
  const boundaries = severity.custom ?? ISO_10816_3_BOUNDARIES[`${severity.group}-${severity.foundation}`];
  if (!(boundaries.abMmPerS < boundaries.bcMmPerS && boundaries.bcMmPerS < boundaries.cdMmPerS)) {
    throw new RangeError(
      `vibration zone boundaries must increase, got A/B ${boundaries.abMmPerS}, B/C ${boundaries.bcMmPerS}, C/D ${boundaries.cdMmPerS} mm/s`,
    );
  }
  return boundaries;
}

/** Zone of a velocity RMS; a value on a boundary belongs to the worse zone (the boundary is the limit). */
export function vibrationZone(velocityMmPerS: number, boundaries: ZoneBoundaries): VibrationZone {
  if (velocityMmPerS >= boundaries.cdMmPerS) return 'D';
  if (velocityMmPerS >= boundaries.bcMmPerS) return 'C';
  if (velocityMmPerS >= boundaries.abMmPerS) return 'B';
  return 'A';
}

/**
 * Trip level: ISO 20816-1:2016, 6.4 recommends that a TRIP setting not exceed 1.25 x the C/D boundary. Used as
 * the failure threshold of velocity signals unless configured otherwise.
 */
export function tripLevelMmPerS(boundaries: ZoneBoundaries, factor = 1.25): number {
  return boundaries.cdMmPerS * factor;
}
