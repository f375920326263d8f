// A Sparkplug DataSet (spec 6.4.9) as one JSON text value, so that a table arrives whole, in one sample, at its
// time: `{"columns":["Step","Temp"],"types":["Int32","Float"],"rows":[[1,180.5],[2,null]]}`. Cells are read as
// their column's basic datatype says (scalar-value.ts); 64-bit integers beyond ±(2^53-1) refuse the whole
// DataSet as they would a scalar, since JSON numbers are doubles too. Pure.
import { dataTypeName } from './datatypes';
import type { SparkplugDataSet } from './payload-codec';
import { isBasicDataType, readScalar, type MetricValueResult } from './scalar-value';

type Cell = number | boolean | string | null;

export function dataSetText(dataset: SparkplugDataSet): MetricValueResult {
  const { columns, types } = dataset;
  if (types.length !== columns.length) {
    return {
      ok: false,
      cause: 'wrong-type',
      error: `DataSet has ${columns.length} columns but ${types.length} column types`,
    };
  }
  const unsupported = types.findIndex((type) => !isBasicDataType(type));
  if (unsupported >= 0) {
    return {
      ok: false,
      cause: 'unsupported-datatype',
      error: `DataSet column "${columns[unsupported] ?? ''}" is of ${dataTypeName(types[unsupported] ?? 0)}, not a basic datatype`,
    };
  }
  const rows: Cell[][] = [];
  for (const [rowIndex, row] of dataset.rows.entries()) {
    if (row.length !== columns.length) {
      return {
        ok: false,
        cause: 'wrong-type',
        error: `DataSet row ${rowIndex} has ${row.length} values for ${columns.length} columns`,
      };
    }
    const cells: Cell[] = [];
    for (const [column, wire] of row.entries()) {
      if (wire.field === 'none') {
        cells.push(null);
        continue;
      }
      const read = readScalar(types[column] ?? 0, wire);
      if (!read.ok) {
        return { ...read, error: `DataSet row ${rowIndex} column "${columns[column] ?? ''}": ${read.error}` };
      }
      const value = read.value;
      if (typeof value === 'number' && !Number.isFinite(value)) {
        return {
          ok: false,
          cause: 'wrong-type',
          error: `DataSet row ${rowIndex} column "${columns[column] ?? ''}" is ${value}, not a finite number`,
        };
      }
      cells.push(typeof value === 'bigint' ? Number(value) : typeof value === 'object' ? null : value);
    }
    rows.push(cells);
  }
  return {
    ok: true,
    value: JSON.stringify({ columns, types: types.map(dataTypeName), rows }),
  };
}
