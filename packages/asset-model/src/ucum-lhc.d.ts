// The part of @lhncbc/ucum-lhc (which ships no type declarations) that this package uses.
declare module '@lhncbc/ucum-lhc' {
  interface UcumValidation {
    readonly status: 'valid' | 'invalid' | 'error';
    readonly ucumCode: string | number | null;
    readonly msg: readonly string[];
    readonly suggestions?: readonly {
      readonly msg: string;
      readonly invalidUnit: string;
      readonly units: readonly (readonly [string, string, string | null])[];
    }[];
  }

  interface UcumConversion {
    readonly status: 'succeeded' | 'failed' | 'error';
    readonly toVal: number | null;
    readonly msg: readonly string[];
  }

  interface UcumUtils {
    validateUnitString(unit: string, suggest?: boolean): UcumValidation;
    convertUnitTo(fromUnit: string, fromValue: number, toUnit: string): UcumConversion;
  }

  export const UcumLhcUtils: { getInstance(): UcumUtils };
}
