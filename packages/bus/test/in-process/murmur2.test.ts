import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { murmur2, partitionForKey } from '../../src/in-process/murmur2';

// The same vectors as Kafka's own UtilsTest.testMurmur2.
const javaVectors: ReadonlyArray<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

function keys(): string[] {
  const out = ['', 'a', 'ab', 'abc', 'abcd', 'ä', '€', '😀', 'acme/plant-1/pressing/line-2/press-04'];
  for (let i = 0; i < 2_000; i += 1)
    out.push(`acme/plant-${i % 7}/line-${i % 13}/asset-${i}`, `opcua:dev-${i}`);
  return out;
}

describe('murmur2', () => {
  it.each(javaVectors)('hashes %s as the Java client does', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  it('agrees with kafkajs murmur2 on every byte length and on multi-byte characters', () => {
    const kafkajsMurmur2 = jest.requireActual<(key: Buffer) => number>(
      'kafkajs/src/producer/partitioners/default/murmur2',
    );
    const disagreeing = keys().filter(
      (key) => murmur2(Buffer.from(key)) !== kafkajsMurmur2(Buffer.from(key)),
    );
    expect(disagreeing).toEqual([]);
  });

  it('reads a view into a larger buffer from its own offset', () => {
    const backing = Buffer.from('xxfoobaryy');
    expect(murmur2(backing.subarray(2, 8))).toBe(-790332482);
  });
});

describe('partitionForKey', () => {
  it('puts every key on the partition the kafkajs DefaultPartitioner picks', () => {
    for (const partitions of [1, 2, 3, 7, 12, 24, 100]) {
      const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionErrorCode: 0,
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
      }));
      const kafkajs = Partitioners.DefaultPartitioner();
      const disagreeing = keys().filter(
        (key) =>
          partitionForKey(key, partitions) !==
          kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } }),
      );
      expect(disagreeing).toEqual([]);
    }
  });
});
