// kafkajs's log lines in the service's log: while a broker is away kafkajs reports every connection attempt; the
// bridge writes each distinct line once per window and then how many it left out.
import { logLevel } from 'kafkajs';
import { kafkaLogCreator } from '../src/kafka/log-bridge';

interface Written {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

function bridge(clock: { nowMs: number }) {
  const written: Written[] = [];
  const sink = (level: string) => (fields: object, message: string) =>
    void written.push({ level, message, fields: fields as Record<string, unknown> });
  const logger = { debug: sink('debug'), info: sink('info'), warn: sink('warn'), error: sink('error') };
  const log = kafkaLogCreator(logger, { repeatWindowMs: 30_000, now: () => clock.nowMs })(logLevel.INFO);
  const emit = (level: logLevel, message: string, namespace = 'Connection'): void =>
    log({ namespace, level, label: 'ERROR', log: { timestamp: '', message, broker: '127.0.0.1:9092' } });
  return { written, emit };
}

describe('the kafkajs log bridge', () => {
  it('writes a line repeated through an outage once per window, then how often it was left out', () => {
    const clock = { nowMs: 0 };
    const { written, emit } = bridge(clock);
    for (let second = 0; second < 65; second += 1) {
      clock.nowMs = second * 1_000;
      emit(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
      emit(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    }
    expect(written.map((line) => [line.level, line.fields['repeatedSinceLastLine']])).toEqual([
      ['warn', undefined],
      ['warn', 59],
      ['warn', 59],
    ]);
    expect(written[0]?.fields).toMatchObject({
      component: 'kafkajs',
      namespace: 'Connection',
      broker: '127.0.0.1:9092',
    });
  });

  it('writes distinct lines each, and maps kafkajs levels onto the bus logger', () => {
    const clock = { nowMs: 0 };
    const { written, emit } = bridge(clock);
    emit(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', 'Consumer');
    emit(logLevel.WARN, 'Restarting the consumer in 300ms', 'Consumer');
    emit(logLevel.INFO, 'Starting', 'Consumer');
    emit(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(written.map((line) => [line.level, line.message])).toEqual([
      ['warn', 'Crash: KafkaJSNumberOfRetriesExceeded'],
      ['warn', 'Restarting the consumer in 300ms'],
      ['debug', 'Starting'],
      ['warn', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'],
    ]);
  });
});
