import { Uploader } from '@irys/upload';
import { Ethereum } from '@irys/upload-ethereum';
import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { GraphQLError, executeQuery, parseQuery, type Schema } from './graphql';
import { SCHEMA } from './query';

const schema: Schema = {
  Query: { things: 'Thing', echo: null },
  Thing: { id: null, tags: 'Tag', nested: 'Thing' },
  Tag: { name: null, value: null },
};
const things = [
  { id: 'a', tags: [{ name: 'k', value: 'v' }], nested: { id: 'n', tags: [], nested: null } },
  { id: 'b', tags: [], nested: null },
];
const roots = {
  things: () => things,
  echo: (args: Record<string, unknown>) => args,
};
const run = (q: string, variables?: Record<string, unknown>, operationName?: string) => executeQuery(q, { variables: variables ?? null, operationName: operationName ?? null }, roots, schema);

describe('GraphQL subset', () => {
  it('selects fields, aliases, nested objects and lists, __typename', () => {
    expect(run('{ things { id t: tags { name } __typename nested { id } } }')).toEqual({
      things: [
        { id: 'a', t: [{ name: 'k' }], __typename: 'Thing', nested: { id: 'n' } },
        { id: 'b', t: [], __typename: 'Thing', nested: null },
      ],
    });
  });

  it('passes every kind of argument value, with variables and their defaults', () => {
    const q = `query Q($a: [String!], $n: Int = 7, $o: TagFilter) {
      echo(s: "x\\"y\\u0041\\n", b: true, z: null, i: -3, f: 1.5e2, e: ASC, l: [1, "two"], obj: { k: $o }, a: $a, n: $n, block: """raw "q" text""")
    }`;
    expect(run(q, { a: ['p', 'q'], o: { name: 'x' } }).echo).toEqual({
      s: 'x"yA\n',
      b: true,
      z: null,
      i: -3,
      f: 150,
      e: 'ASC',
      l: [1, 'two'],
      obj: { k: { name: 'x' } },
      a: ['p', 'q'],
      n: 7,
      block: 'raw "q" text',
    });
  });

  it('picks an operation by name, ignores comments and commas', () => {
    const q = '# leading comment\nquery A { echo(x: 1) }, query B { echo(x: 2) }';
    expect(run(q, undefined, 'B')).toEqual({ echo: { x: 2 } });
    expect(() => run(q)).toThrow(/several operations/);
  });

  it('rejects what it does not support or does not know', () => {
    const bad = [
      'mutation { things { id } }',
      'subscription { things { id } }',
      '{ things { ...F } }',
      'fragment F on Thing { id }',
      '{ things @include(if: true) { id } }',
      '{ things { nope } }',
      '{ nope }',
      '{ things }',
      '{ things { id { x } } }',
      '{ things { id(arg: 1) } }',
      '{ things { id }',
      '{ echo(s: "unterminated) }',
      '',
    ];
    for (const q of bad) expect(() => run(q), q).toThrow(GraphQLError);
  });

  it("parses the queries the client's query builder (@irys/query) sends", async () => {
    // building the client makes no request
    const irys = await Uploader(Ethereum).withWallet(Wallet.createRandom().privateKey).withRpc('http://127.0.0.1:9').bundlerUrl('http://127.0.0.1:9').build();
    const q = irys
      .query()
      .search('irys:transactions')
      .tags([{ name: 'App-Name', values: ['Ativo'] }])
      .from(['0xabc'])
      .ids(['x', 'y'])
      .toQuery();
    const [op] = parseQuery(q);
    const field = op?.selection[0];
    expect(field?.name).toBe('transactions');
    expect(field?.args.map(([k]) => k).sort()).toEqual(['first', 'ids', 'order', 'owners', 'tags']);
    expect(field?.selection?.map((f) => f.name)).toEqual(['edges', 'pageInfo']);
    // every field it asks for exists in the node's schema
    const node = field?.selection?.[0]?.selection?.find((f) => f.name === 'node');
    for (const f of node?.selection ?? []) expect(Object.keys(SCHEMA.Transaction ?? {})).toContain(f.name);
  });
});
