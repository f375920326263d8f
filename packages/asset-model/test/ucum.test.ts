import { checkUcumUnit, compileUnitConversion } from '../src';

function convert(from: string, to: string, value: number): number {
  const result = compileUnitConversion(from, to);
  if (!result.ok) throw new Error(result.message);
  return result.conversion.convert(value);
}

describe('UCUM units', () => {
  it.each(['Cel', 'mm/s', '1/min', '{parts}', '[degF]', 'kW.h', 'N.m', '%', 'bar', 'm3/h'])(
    'accepts %s',
    (unit) => {
      expect(checkUcumUnit(unit)).toEqual({ valid: true });
    },
  );

  it.each([
    ['degC', 'Cel'],
    ['°C', 'Cel'],
    ['rpm', '1/min'],
    ['kWh', 'kW.h'],
    ['degF', '[degF]'],
    ['psi', '[psi]'],
  ])('rejects %s and suggests %s', (unit, suggestion) => {
    expect(checkUcumUnit(unit)).toEqual({
      valid: false,
      message: `'${unit}' is not a valid UCUM unit (did you mean '${suggestion}'?)`,
    });
  });

  it('passes on ucum-lhc suggestions (furlongs -> [fur_us])', () => {
    expect(checkUcumUnit('furlongs')).toEqual({
      valid: false,
      message: "'furlongs' is not a valid UCUM unit (did you mean '[fur_us]'?)",
    });
  });

  it('rejects an unknown unit without a suggestion', () => {
    expect(checkUcumUnit('xyzzy')).toEqual({ valid: false, message: "'xyzzy' is not a valid UCUM unit" });
  });

  it('converts affine temperature scales: [degF] -> Cel', () => {
    expect(convert('[degF]', 'Cel', 212)).toBe(100);
    expect(convert('[degF]', 'Cel', 32)).toBe(0);
    expect(convert('[degF]', 'Cel', -40)).toBe(-40);
  });

  it('converts rates both ways: 1/min <-> Hz', () => {
    expect(convert('1/min', 'Hz', 90)).toBe(1.5);
    expect(convert('Hz', '1/min', 1.5)).toBe(90);
  });

  it('converts pressures and flows', () => {
    expect(convert('bar', 'kPa', 2.5)).toBe(250);
    expect(convert('L/min', 'm3/h', 1000)).toBe(60);
  });

  it('refuses incompatible units', () => {
    expect(compileUnitConversion('m', 'Cel')).toEqual({
      ok: false,
      message: "'m' cannot be converted to 'Cel' (incompatible units)",
    });
  });
});
