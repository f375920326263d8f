// Which saved offset still protects against replays: only one saved under the log epoch the bus has now.
import { replayGuardOffset } from '../src/partitions';

describe('replayGuardOffset', () => {
  it('keeps the saved offset when it was saved under the epoch of the log the bus reads now', () => {
    expect(replayGuardOffset({ lastOffset: 59n, logEpoch: 'kafka' }, 'kafka')).toBe(59n);
  });

  it('drops an offset saved under an in-process bus that is gone, so new records at low offsets are handled', () => {
    expect(replayGuardOffset({ lastOffset: 59n, logEpoch: 'in-process:a' }, 'in-process:b')).toBeUndefined();
  });

  it('drops an offset saved under another kind of bus', () => {
    expect(replayGuardOffset({ lastOffset: 59n, logEpoch: 'in-process:a' }, 'kafka')).toBeUndefined();
    expect(replayGuardOffset({ lastOffset: 59n, logEpoch: 'kafka' }, 'in-process:a')).toBeUndefined();
  });

  it('drops an offset saved before epochs were kept, which cannot say which log it meant', () => {
    expect(replayGuardOffset({ lastOffset: 59n, logEpoch: undefined }, 'kafka')).toBeUndefined();
  });
});
