// An OPC UA value the pipeline or the database cannot take is refused by name at the connector (issue 13):
// a String with U+0000 and a source clock far in the future (past what int64 µs holds as a safe number).
import './support/node-opcua-in-jest';
import { DataType, DataValue } from 'node-opcua';
import { sampleOf } from '../../src/connectors/opcua/data-value';

describe('OPC UA values at the boundary', () => {
  it('refuses a String value with U+0000', () => {
    const value = new DataValue({ value: { dataType: DataType.String, value: 'jam\u0000' } });
    expect(sampleOf('ns=2;s=Reason', value, 7)).toEqual({
      ok: false,
      cause: 'wrong-type',
      reason:
        'value of tag "ns=2;s=Reason" holds the character U+0000 at position 3; control characters are not accepted',
    });
  });

  it('refuses a source timestamp in the year 9999', () => {
    const value = new DataValue({
      value: { dataType: DataType.Double, value: 1 },
      sourceTimestamp: new Date(Date.UTC(9999, 0, 1)),
    });
    expect(sampleOf('ns=2;s=Temp', value, 7)).toMatchObject({
      ok: false,
      cause: 'bad-timestamp',
      reason: expect.stringMatching(
        /^sourceTimeUs of tag "ns=2;s=Temp" is 253370764800000000 us, not a time between 1970 and \d+$/,
      ),
    });
  });
});
