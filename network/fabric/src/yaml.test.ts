import { describe, expect, it } from 'vitest';
import { toYaml } from './yaml.js';

describe('toYaml', () => {
  it('writes nested mappings and sequences with quoted strings', () => {
    expect(
      toYaml({
        Name: 'BankAMSP',
        Enable: true,
        Port: 7051,
        List: ['a', 'no'],
        Items: [{ Host: '127.0.0.1', Port: 1 }],
        Empty: [],
        Nested: { Inner: { Deep: 'x' } },
      }),
    ).toBe(
      [
        'Name: "BankAMSP"',
        'Enable: true',
        'Port: 7051',
        'List:',
        '  - "a"',
        '  - "no"',
        'Items:',
        '  - Host: "127.0.0.1"',
        '    Port: 1',
        'Empty: []',
        'Nested:',
        '  Inner:',
        '    Deep: "x"',
        '',
      ].join('\n'),
    );
  });
});
