import { parseJsonPointer, resolveJsonPointer } from '../../src/connectors/mqtt/json-pointer';

// RFC 6901, section 5: the example document and its pointers.
const rfcDocument = {
  foo: ['bar', 'baz'],
  '': 0,
  'a/b': 1,
  'c%d': 2,
  'e^f': 3,
  'g|h': 4,
  'i\\j': 5,
  'k"l': 6,
  ' ': 7,
  'm~n': 8,
};

function at(pointer: string, document: unknown = rfcDocument): unknown {
  const result = resolveJsonPointer(document, parseJsonPointer(pointer));
  return result.found ? result.value : 'NOT FOUND';
}

describe('JSON pointer (RFC 6901)', () => {
  it('resolves every pointer of the RFC 6901 section 5 example', () => {
    expect(at('')).toEqual(rfcDocument);
    expect(at('/foo')).toEqual(['bar', 'baz']);
    expect(at('/foo/0')).toBe('bar');
    expect(at('/')).toBe(0);
    expect(at('/a~1b')).toBe(1);
    expect(at('/c%d')).toBe(2);
    expect(at('/e^f')).toBe(3);
    expect(at('/g|h')).toBe(4);
    expect(at('/i\\j')).toBe(5);
    expect(at('/k"l')).toBe(6);
    expect(at('/ ')).toBe(7);
    expect(at('/m~0n')).toBe(8);
  });

  it('unescapes ~1 before ~0, so ~01 is a literal ~1', () => {
    expect(parseJsonPointer('/~01')).toEqual(['~1']);
    expect(at('/~01', { '~1': 'tilde-one', '/': 'slash' })).toBe('tilde-one');
  });

  it('reports a missing member, an index past the end, a leading-zero index and "-" as not found', () => {
    expect(at('/nope')).toBe('NOT FOUND');
    expect(at('/foo/2')).toBe('NOT FOUND');
    expect(at('/foo/01')).toBe('NOT FOUND');
    expect(at('/foo/-')).toBe('NOT FOUND');
    expect(at('/foo/0/deeper')).toBe('NOT FOUND');
  });

  it('finds a member whose value is null, and does not walk into inherited properties', () => {
    expect(at('/value', { value: null })).toBeNull();
    expect(at('/toString', {})).toBe('NOT FOUND');
  });

  it('refuses pointers that are not RFC 6901 syntax, naming the pointer', () => {
    expect(() => parseJsonPointer('value')).toThrow('JSON pointer "value" must be empty or start with "/"');
    expect(() => parseJsonPointer('/a~2')).toThrow('"~" not followed by 0 or 1');
    expect(() => parseJsonPointer('/a~')).toThrow('"~" not followed by 0 or 1');
  });
});
