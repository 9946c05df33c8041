/**
 * A small GraphQL subset: enough for the queries the Irys clients send (@irys/upload-core's
 * `transactions.query`/`getReceipt`, @irys/query's `irys:transactions` builder) and for
 * hand-written queries. Supported: one or more `query` operations (or a bare selection set),
 * variable definitions with defaults, arguments with every literal kind and variables, aliases,
 * nested selections, `__typename`. Not supported (rejected with an error): mutations,
 * subscriptions, fragments, directives.
 */

export type GqlValue =
  | { kind: 'variable'; name: string }
  | { kind: 'int' | 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'enum'; value: string }
  | { kind: 'list'; values: GqlValue[] }
  | { kind: 'object'; fields: [string, GqlValue][] };

export interface GqlField {
  alias: string | undefined;
  name: string;
  args: [string, GqlValue][];
  selection: GqlField[] | undefined;
}

export interface GqlOperation {
  name: string | undefined;
  variables: { name: string; defaultValue: GqlValue | undefined }[];
  selection: GqlField[];
}

export class GraphQLError extends Error {
  override readonly name = 'GraphQLError';
}

// ------------------------------------------------------------------ lexer

type Token =
  | { t: 'punct'; v: string; at: number }
  | { t: 'name'; v: string; at: number }
  | { t: 'int' | 'float'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'eof'; v: ''; at: number };

const NAME_START = /[_A-Za-z]/;
const NAME_PART = /[_0-9A-Za-z]/;

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ',' || c === '\uFEFF') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n' && src[i] !== '\r') i++;
      continue;
    }
    if ('!$()[]{}:=@|&'.includes(c)) {
      out.push({ t: 'punct', v: c, at: i });
      i++;
      continue;
    }
    if (c === '.') {
      if (src.startsWith('...', i)) throw new GraphQLError(`Fragments are not supported (at ${i}).`);
      throw new GraphQLError(`Unexpected "." at ${i}.`);
    }
    if (NAME_START.test(c)) {
      const s = i;
      while (i < n && NAME_PART.test(src.charAt(i))) i++;
      out.push({ t: 'name', v: src.slice(s, i), at: s });
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i));
      if (m === null) throw new GraphQLError(`Bad number at ${i}.`);
      out.push({ t: m[2] !== undefined || m[3] !== undefined ? 'float' : 'int', v: m[0], at: i });
      i += m[0].length;
      continue;
    }
    if (c === '"') {
      const s = i;
      if (src.startsWith('"""', i)) {
        const end = src.indexOf('"""', i + 3);
        if (end < 0) throw new GraphQLError(`Unterminated block string at ${s}.`);
        out.push({ t: 'string', v: src.slice(i + 3, end).replace(/\\"""/g, '"""'), at: s });
        i = end + 3;
        continue;
      }
      i++;
      let v = '';
      for (;;) {
        if (i >= n) throw new GraphQLError(`Unterminated string at ${s}.`);
        const ch = src.charAt(i);
        if (ch === '"') {
          i++;
          break;
        }
        if (ch === '\n' || ch === '\r') throw new GraphQLError(`Unterminated string at ${s}.`);
        if (ch === '\\') {
          const e = src.charAt(i + 1);
          const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
          const mapped = simple[e];
          if (mapped !== undefined) {
            v += mapped;
            i += 2;
          } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
            v += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
            i += 6;
          } else {
            throw new GraphQLError(`Bad escape in string at ${i}.`);
          }
          continue;
        }
        v += ch;
        i++;
      }
      out.push({ t: 'string', v, at: s });
      continue;
    }
    throw new GraphQLError(`Unexpected character ${JSON.stringify(c)} at ${i}.`);
  }
  out.push({ t: 'eof', v: '', at: n });
  return out;
}

// ------------------------------------------------------------------ parser

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.i] ?? { t: 'eof', v: '', at: -1 };
  }
  private next(): Token {
    const t = this.peek();
    this.i++;
    return t;
  }
  private isPunct(v: string): boolean {
    const t = this.peek();
    return t.t === 'punct' && t.v === v;
  }
  private expectPunct(v: string): void {
    const t = this.next();
    if (t.t !== 'punct' || t.v !== v) throw new GraphQLError(`Expected "${v}" at ${t.at}, found ${t.t === 'eof' ? 'the end' : JSON.stringify(t.v)}.`);
  }
  private expectName(): string {
    const t = this.next();
    if (t.t !== 'name') throw new GraphQLError(`Expected a name at ${t.at}, found ${t.t === 'eof' ? 'the end' : JSON.stringify(t.v)}.`);
    return t.v;
  }

  document(): GqlOperation[] {
    const ops: GqlOperation[] = [];
    while (this.peek().t !== 'eof') ops.push(this.operation());
    if (ops.length === 0) throw new GraphQLError('The query is empty.');
    return ops;
  }

  private operation(): GqlOperation {
    if (this.isPunct('{')) return { name: undefined, variables: [], selection: this.selectionSet() };
    const kw = this.expectName();
    if (kw === 'fragment') throw new GraphQLError('Fragments are not supported.');
    if (kw !== 'query') throw new GraphQLError(`Only queries are supported, not "${kw}".`);
    let name: string | undefined;
    if (this.peek().t === 'name') name = this.expectName();
    const variables: GqlOperation['variables'] = [];
    if (this.isPunct('(')) {
      this.next();
      while (!this.isPunct(')')) {
        this.expectPunct('$');
        const vname = this.expectName();
        this.expectPunct(':');
        this.type();
        let defaultValue: GqlValue | undefined;
        if (this.isPunct('=')) {
          this.next();
          defaultValue = this.value(true);
        }
        variables.push({ name: vname, defaultValue });
      }
      this.next();
    }
    this.noDirectives();
    return { name, variables, selection: this.selectionSet() };
  }

  private type(): void {
    if (this.isPunct('[')) {
      this.next();
      this.type();
      this.expectPunct(']');
    } else {
      this.expectName();
    }
    if (this.isPunct('!')) this.next();
  }

  private noDirectives(): void {
    if (this.isPunct('@')) throw new GraphQLError(`Directives are not supported (at ${this.peek().at}).`);
  }

  private selectionSet(): GqlField[] {
    this.expectPunct('{');
    const fields: GqlField[] = [];
    while (!this.isPunct('}')) fields.push(this.field());
    this.next();
    if (fields.length === 0) throw new GraphQLError('A selection set must select at least one field.');
    return fields;
  }

  private field(): GqlField {
    let name = this.expectName();
    let alias: string | undefined;
    if (this.isPunct(':')) {
      this.next();
      alias = name;
      name = this.expectName();
    }
    const args: [string, GqlValue][] = [];
    if (this.isPunct('(')) {
      this.next();
      while (!this.isPunct(')')) {
        const an = this.expectName();
        this.expectPunct(':');
        args.push([an, this.value(false)]);
      }
      this.next();
    }
    this.noDirectives();
    const selection = this.isPunct('{') ? this.selectionSet() : undefined;
    return { alias, name, args, selection };
  }

  private value(isConst: boolean): GqlValue {
    const t = this.next();
    switch (t.t) {
      case 'punct':
        if (t.v === '$') {
          if (isConst) throw new GraphQLError(`A default value cannot use a variable (at ${t.at}).`);
          return { kind: 'variable', name: this.expectName() };
        }
        if (t.v === '[') {
          const values: GqlValue[] = [];
          while (!this.isPunct(']')) values.push(this.value(isConst));
          this.next();
          return { kind: 'list', values };
        }
        if (t.v === '{') {
          const fields: [string, GqlValue][] = [];
          while (!this.isPunct('}')) {
            const fname = this.expectName();
            this.expectPunct(':');
            fields.push([fname, this.value(isConst)]);
          }
          this.next();
          return { kind: 'object', fields };
        }
        throw new GraphQLError(`Unexpected "${t.v}" at ${t.at}.`);
      case 'int':
        return { kind: 'int', value: Number(t.v) };
      case 'float':
        return { kind: 'float', value: Number(t.v) };
      case 'string':
        return { kind: 'string', value: t.v };
      case 'name':
        if (t.v === 'true' || t.v === 'false') return { kind: 'boolean', value: t.v === 'true' };
        if (t.v === 'null') return { kind: 'null' };
        return { kind: 'enum', value: t.v };
      case 'eof':
        throw new GraphQLError('Unexpected end of the query.');
    }
  }
}

export function parseQuery(source: string): GqlOperation[] {
  return new Parser(lex(source)).document();
}

// ------------------------------------------------------------------ execution

/** Object types: field name → the field's object type, or null for a scalar (or list of scalars). */
export type Schema = Record<string, Record<string, string | null>>;

export type RootResolver = (args: Record<string, unknown>) => unknown;

function valueToJs(v: GqlValue, vars: Record<string, unknown>): unknown {
  switch (v.kind) {
    case 'variable':
      return vars[v.name] ?? null;
    case 'int':
    case 'float':
    case 'string':
    case 'boolean':
    case 'enum':
      return v.value;
    case 'null':
      return null;
    case 'list':
      return v.values.map((x) => valueToJs(x, vars));
    case 'object':
      return Object.fromEntries(v.fields.map(([k, x]) => [k, valueToJs(x, vars)]));
  }
}

function project(value: unknown, field: GqlField, typeName: string | null, schema: Schema, path: string): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v, i) => project(v, field, typeName, schema, `${path}[${i}]`));
  if (typeName === null) {
    if (field.selection !== undefined) throw new GraphQLError(`Field "${path}" is a scalar and takes no selection.`);
    return value;
  }
  if (field.selection === undefined) throw new GraphQLError(`Field "${path}" of type ${typeName} needs a selection of subfields.`);
  const type = schema[typeName];
  if (type === undefined) throw new GraphQLError(`Unknown type ${typeName}.`);
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of field.selection) {
    const key = f.alias ?? f.name;
    if (f.name === '__typename') {
      out[key] = typeName;
      continue;
    }
    if (!(f.name in type)) throw new GraphQLError(`Cannot query field "${f.name}" on type "${typeName}".`);
    if (f.args.length > 0) throw new GraphQLError(`Field "${f.name}" on type "${typeName}" takes no arguments.`);
    out[key] = project(obj[f.name], f, type[f.name] ?? null, schema, `${path}.${f.name}`);
  }
  return out;
}

/**
 * Runs `operationName` (or the only operation) of `source`. Root fields are resolved by
 * `roots[name]` and typed by `schema.Query[name]`. Throws GraphQLError for anything invalid.
 */
export function executeQuery(
  source: string,
  opts: { variables?: Record<string, unknown> | null; operationName?: string | null },
  roots: Record<string, RootResolver>,
  schema: Schema,
): Record<string, unknown> {
  const ops = parseQuery(source);
  let op: GqlOperation | undefined;
  if (opts.operationName !== undefined && opts.operationName !== null) {
    op = ops.find((o) => o.name === opts.operationName);
    if (op === undefined) throw new GraphQLError(`No operation named "${opts.operationName}".`);
  } else {
    if (ops.length > 1) throw new GraphQLError('The query has several operations: name one with operationName.');
    op = ops[0];
  }
  if (op === undefined) throw new GraphQLError('The query is empty.');
  const given = opts.variables ?? {};
  const vars: Record<string, unknown> = {};
  for (const d of op.variables) {
    vars[d.name] = d.name in given ? given[d.name] : d.defaultValue !== undefined ? valueToJs(d.defaultValue, {}) : null;
  }
  const queryType = schema.Query ?? {};
  const data: Record<string, unknown> = {};
  for (const f of op.selection) {
    const key = f.alias ?? f.name;
    if (f.name === '__typename') {
      data[key] = 'Query';
      continue;
    }
    const resolver = roots[f.name];
    if (resolver === undefined || !(f.name in queryType)) throw new GraphQLError(`Cannot query field "${f.name}" on type "Query".`);
    const args = Object.fromEntries(f.args.map(([k, v]) => [k, valueToJs(v, vars)]));
    data[key] = project(resolver(args), f, queryType[f.name] ?? null, schema, f.name);
  }
  return data;
}
