// UCUM units (docs/architecture.md section 4) through @lhncbc/ucum-lhc, the NLM's maintained implementation: validation
// with suggestions an engineer can act on, and conversions compiled once so that samples convert cheaply.
import { UcumLhcUtils } from '@lhncbc/ucum-lhc';

const ucum = UcumLhcUtils.getInstance();

/** Spellings seen on PLC tags and data sheets that are not UCUM, with the UCUM code meant. */
const COMMON_MISSPELLINGS: Readonly<Record<string, string>> = {
  degC: 'Cel',
  '°C': 'Cel',
  degF: '[degF]',
  '°F': '[degF]',
  rpm: '1/min',
  RPM: '1/min',
  kWh: 'kW.h',
  Wh: 'W.h',
  Nm: 'N.m',
  psi: '[psi]',
  pcs: '{pcs}',
  parts: '{parts}',
  sec: 's',
  hr: 'h',
  lpm: 'L/min',
  'l/min': 'L/min',
};

export type UnitCheck = { readonly valid: true } | { readonly valid: false; readonly message: string };

/**
 * Checks a UCUM code (case-sensitive form). The message names the code and, where one is known, the code that
 * was probably meant: `'degC' is not a valid UCUM unit (did you mean 'Cel'?)`.
 */
export function checkUcumUnit(code: string): UnitCheck {
  const result = ucum.validateUnitString(code, true);
  if (result.status === 'valid' && String(result.ucumCode) === code) return { valid: true };
  const suggestion = suggestionFor(code, result.ucumCode, result.suggestions);
  const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
  return { valid: false, message: `'${code}' is not a valid UCUM unit${hint}` };
}

function suggestionFor(
  code: string,
  ucumCode: string | number | null,
  suggestions:
    readonly { readonly units: readonly (readonly [string, string, string | null])[] }[] | undefined,
): string | undefined {
  const known = COMMON_MISSPELLINGS[code];
  if (known !== undefined) return known;
  if (ucumCode !== null && String(ucumCode) !== code) return String(ucumCode);
  const first = suggestions?.[0]?.units[0];
  return first === undefined ? undefined : first[0];
}

/** A conversion from one UCUM unit to another, compiled once per mapping rule. */
export interface UnitConversion {
  readonly fromUnit: string;
  readonly toUnit: string;
  convert(value: number): number;
}

export type UnitConversionResult =
  | { readonly ok: true; readonly conversion: UnitConversion }
  | { readonly ok: false; readonly message: string };

/**
 * Compiles a conversion. Most units (including the affine temperature scales) convert as `a * x + b`; that is
 * probed at three points and then applied without the library. Non-linear units (logarithmic, pH) fall back to
 * the library for every value.
 */
export function compileUnitConversion(fromUnit: string, toUnit: string): UnitConversionResult {
  const key = `${fromUnit}\u0000${toUnit}`;
  let result = compiled.get(key);
  if (result === undefined) {
    result = compile(fromUnit, toUnit);
    compiled.set(key, result);
  }
  return result;
}

/** Unit pairs are few (a plant uses tens of units), so every compiled pair is kept. */
const compiled = new Map<string, UnitConversionResult>();

function compile(fromUnit: string, toUnit: string): UnitConversionResult {
  const probe = (x: number): number | undefined => {
    const result = ucum.convertUnitTo(fromUnit, x, toUnit);
    return result.status === 'succeeded' && typeof result.toVal === 'number' ? result.toVal : undefined;
  };
  const at0 = probe(0);
  const at1 = probe(1);
  const at1000 = probe(1000);
  if (at0 === undefined || at1 === undefined || at1000 === undefined) {
    return { ok: false, message: `'${fromUnit}' cannot be converted to '${toUnit}' (incompatible units)` };
  }
  const factor = at1 - at0;
  const predicted = at0 + factor * 1000;
  const linear = Math.abs(predicted - at1000) <= 1e-9 * Math.max(1, Math.abs(at1000));
  if (linear) {
    const isIdentity = Math.abs(factor - 1) < 1e-12 && Math.abs(at0) < 1e-12;
    const convert = isIdentity
      ? (x: number): number => x
      : (x: number): number => roundNoise(factor * x + at0, Math.max(Math.abs(factor * x), Math.abs(at0)));
    return { ok: true, conversion: { fromUnit, toUnit, convert } };
  }
  const convert = (x: number): number => probe(x) ?? Number.NaN;
  return { ok: true, conversion: { fromUnit, toUnit, convert } };
}

/**
 * Removes binary floating-point noise (212 [degF] -> 100.00000000000006 Cel) beyond 12 significant digits of the
 * terms that were added (`magnitude`), so that 32 [degF] is 0 Cel and not 5e-13.
 */
function roundNoise(value: number, magnitude: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  if (Math.abs(value) < magnitude * 1e-11) return 0;
  return Number(value.toPrecision(12));
}
