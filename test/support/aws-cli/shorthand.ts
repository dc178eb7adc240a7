/**
 * The AWS CLI's shorthand syntax for structure values ("Using shorthand syntax in the AWS CLI"):
 * `key1=value1,key2=value2`, no white space between pairs. What the dist README uses of it, as the
 * CLI reads it: a value runs to the next comma; `'...'` and `"..."` quote a value that holds commas
 * (in double quotes `\"` and `\\` are escapes); `[a,b]` is an explicit list; and values after a
 * comma that do not start `key=` continue the value before them as a list (`Accounts=1,2,Type=X`).
 * Written for test/dist/readme.test.ts; anything else is refused with the offending text.
 */

export type ShorthandValue = string | string[];

const KEY = /^[A-Za-z0-9_.:/-]+=/;

class Reader {
  pos = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text[this.pos];
  }
  fail(why: string): never {
    throw new Error(`shorthand syntax: ${why} at ${this.pos} in ${JSON.stringify(this.text)}`);
  }
}

function quoted(r: Reader): string {
  const q = r.text[r.pos++];
  let out = '';
  while (!r.done && r.peek() !== q) {
    if (q === '"' && r.peek() === '\\' && r.pos + 1 < r.text.length) r.pos++;
    out += r.text[r.pos++];
  }
  if (r.done) r.fail(`unterminated ${q}`);
  r.pos++;
  return out;
}

function plain(r: Reader): string {
  const start = r.pos;
  while (!r.done && r.peek() !== ',' && r.peek() !== ']') r.pos++;
  return r.text.slice(start, r.pos);
}

function scalar(r: Reader): string {
  return r.peek() === '"' || r.peek() === "'" ? quoted(r) : plain(r);
}

function explicitList(r: Reader): string[] {
  r.pos++;
  const out: string[] = [];
  while (!r.done && r.peek() !== ']') {
    out.push(scalar(r));
    if (r.peek() === ',') r.pos++;
  }
  if (r.done) r.fail('unterminated [');
  r.pos++;
  return out;
}

/** One value, and the further comma-separated values that belong to it (an implicit list). */
function value(r: Reader): ShorthandValue {
  if (r.peek() === '[') return explicitList(r);
  const values = [scalar(r)];
  while (!r.done && r.peek() === ',' && !KEY.test(r.text.slice(r.pos + 1))) {
    r.pos++;
    values.push(scalar(r));
  }
  return values.length === 1 ? values[0] : values;
}

/** `key=value,...` as an object of strings and string lists. */
export function parseShorthand(text: string): Record<string, ShorthandValue> {
  const r = new Reader(text);
  const out: Record<string, ShorthandValue> = {};
  while (!r.done) {
    const key = KEY.exec(text.slice(r.pos))?.[0] ?? r.fail('expected key=');
    r.pos += key.length;
    out[key.slice(0, -1)] = value(r);
    if (r.done) break;
    if (r.peek() !== ',') r.fail('expected ,');
    r.pos++;
  }
  return out;
}
