import { describe, expect, it } from 'vitest';
import {
  excessiveNesting,
  makeOffsetLocator,
  MAX_NESTING_DEPTH,
  offsetToLineColumn,
  parseJsonDocument,
  readJsonDocument,
  stringContentOffsetMap,
} from '../../src/load/json-document.js';
import { FIXTURES, problemsOf, problemsOfAsync } from './helpers.js';

describe('parseJsonDocument', () => {
  const text = '{\n  "a": [1, {"b/c": "x", "t~": true}],\n  "n": null\n}\n';

  it('parses strict JSON and locates values by pointer', () => {
    const doc = parseJsonDocument(text, 'f.json');
    expect(doc.value).toEqual({ a: [1, { 'b/c': 'x', 't~': true }], n: null });
    expect(doc.locate('')).toEqual({ line: 1, column: 1 });
    expect(doc.locate('/a')).toEqual({ line: 2, column: 8 });
    expect(doc.locate('/a/1/b~1c')).toEqual({ line: 2, column: 20 });
    expect(doc.locate('/a/1/t~0')).toEqual({ line: 2, column: 31 });
    expect(doc.locate('/n')).toEqual({ line: 3, column: 8 });
    expect(doc.locate('/missing')).toBeUndefined();
    expect(doc.locate('/a/7')).toBeUndefined();
    expect(doc.locate('/a/01')).toBeUndefined();
  });

  const bad: Array<[string, string, string, number, number]> = [
    ['empty', '', 'json/empty', 1, 1],
    ['whitespace only', '  \n ', 'json/empty', 1, 1],
    ['truncated', '{\n  "a": [1,\n', 'json/truncated', 3, 1],
    ['unterminated string at end', '{"a": "abc', 'json/truncated', 1, 7],
    ['trailing garbage', '{"a": 1}\n}x', 'json/trailing-content', 2, 1],
    ['second document', '{"a": 1} {"b": 2}', 'json/trailing-content', 1, 10],
    ['trailing comma', '{\n  "a": 1,\n}', 'json/syntax', 2, 9],
    ['trailing comma in array', '[1, 2, ]', 'json/syntax', 1, 6],
    ['line comment', '{\n  // c\n  "a": 1\n}', 'json/syntax', 2, 3],
    ['block comment', '{ /* c */ "a": 1 }', 'json/syntax', 1, 3],
    ['single quotes', "{\n  'a': 1\n}", 'json/syntax', 2, 3],
    ['missing comma', '{\n  "a": 1\n  "b": 2\n}', 'json/syntax', 3, 3],
    ['NaN', '{"a": NaN}', 'json/syntax', 1, 7],
    ['duplicate key', '{\n  "a": 1,\n  "a": 2\n}', 'json/duplicate-key', 3, 3],
  ];
  for (const [name, t, code, line, column] of bad) {
    it(`rejects ${name}`, () => {
      const problems = problemsOf(() => parseJsonDocument(t, 'bad.json'));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ code, location: { file: 'bad.json', line, column } });
    });
  }

  it('words the trailing comma and comment errors plainly', () => {
    expect(problemsOf(() => parseJsonDocument('{"a": 1,}', 'f'))[0]!.message).toBe('trailing comma is not allowed in JSON');
    expect(problemsOf(() => parseJsonDocument('{"a": 1 // x\n}', 'f'))[0]!.message).toBe('comments are not allowed in JSON');
  });
});

describe('readJsonDocument', () => {
  it('reads a file and strips a byte-order mark', async () => {
    const doc = await readJsonDocument(`${FIXTURES}bom.json`);
    expect(doc.value).toEqual({ ok: true });
    expect(doc.file).toBe(`${FIXTURES}bom.json`);
  });

  it('reports a missing file', async () => {
    const problems = await problemsOfAsync(() => readJsonDocument(`${FIXTURES}does-not-exist.json`));
    expect(problems).toEqual([expect.objectContaining({ code: 'file/unreadable', message: 'cannot read the file: no such file' })]);
  });

  it('reports a directory', async () => {
    const problems = await problemsOfAsync(() => readJsonDocument(`${FIXTURES}snapshot`));
    expect(problems).toEqual([expect.objectContaining({ code: 'file/unreadable', message: 'it is a directory' })]);
  });

  it('reports syntax errors with the file name', async () => {
    const problems = await problemsOfAsync(() => readJsonDocument(`${FIXTURES}policies/truncated.json`));
    expect(problems[0]).toMatchObject({ code: 'json/truncated', location: { file: `${FIXTURES}policies/truncated.json`, line: 5 } });
  });

  it('reports an empty file', async () => {
    const problems = await problemsOfAsync(() => readJsonDocument(`${FIXTURES}policies/empty.json`));
    expect(problems[0]!.code).toBe('json/empty');
  });
});

describe('offsets', () => {
  it('converts offsets to 1-based line/column, with \\r\\n and lone \\r breaks', () => {
    const t = 'ab\r\ncd\ref\ng';
    const at = makeOffsetLocator(t);
    expect(at(0)).toEqual({ line: 1, column: 1 });
    expect(at(4)).toEqual({ line: 2, column: 1 });
    expect(at(7)).toEqual({ line: 3, column: 1 });
    expect(at(10)).toEqual({ line: 4, column: 1 });
    expect(offsetToLineColumn(t, 5)).toEqual({ line: 2, column: 2 });
  });

  it('maps decoded string offsets back through escapes', () => {
    const raw = 'x = "a\\"b\\\\c\\u00e9d\\ud83d\\ude80e"';
    const map = stringContentOffsetMap(raw, raw.indexOf('"'));
    const decoded = JSON.parse(raw.slice(4)) as string;
    expect(decoded).toBe('a"b\\céd\u{1F680}e');
    // Every decoded unit maps to the raw character or escape that produced it.
    const rawOf = [...'a"b\\céd'].map((_, i) => map(i));
    expect(rawOf.map((o) => raw.slice(o, o + 2))).toEqual(['a\\', '\\"', 'b\\', '\\\\', 'c\\', '\\u', 'd\\']);
    expect(raw.slice(map(7), map(7) + 6)).toBe('\\ud83d');
    expect(raw.slice(map(8), map(8) + 6)).toBe('\\ude80');
    expect(raw[map(9)]).toBe('e');
    expect(map(10)).toBe(raw.length - 1); // end of content: the closing quote
  });
});

describe('excessiveNesting', () => {
  const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('accepts exactly MAX_NESTING_DEPTH levels and refuses one more, at the bracket that goes over', () => {
    expect(excessiveNesting(nested(MAX_NESTING_DEPTH))).toBeUndefined();
    const p = excessiveNesting(`{"a": ${nested(MAX_NESTING_DEPTH)}}`);
    expect(p).toMatchObject({ offset: 6 + MAX_NESTING_DEPTH - 1, code: 'json/too-deep' });
    expect(excessiveNesting(`  ${nested(MAX_NESTING_DEPTH + 1)}`)).toMatchObject({ offset: 2 + MAX_NESTING_DEPTH, code: 'json/too-deep' });
  });

  it('ends strings and line comments where the parser does (at a line break), so malformed text is not under-counted', () => {
    // Found in review: these shapes hid a deep tail from the scan, and the parser then ran out of stack.
    const deep = nested(MAX_NESTING_DEPTH + 1);
    expect(excessiveNesting(`["a\n,${deep}]`)).toMatchObject({ code: 'json/too-deep' });
    expect(excessiveNesting(`// c\r${deep}`)).toMatchObject({ code: 'json/too-deep' });
  });

  it('counts depth, not brackets: many siblings are fine', () => {
    expect(excessiveNesting(`[${Array.from({ length: 2000 }, () => '[[]]').join(',')}]`)).toBeUndefined();
  });

  it('skips brackets inside strings (escaped quotes included) and comments', () => {
    const inside = '['.repeat(MAX_NESTING_DEPTH + 5);
    expect(excessiveNesting(`{"s": "${inside}", "t": "\\", "u": "\\\"${inside}"}`)).toBeUndefined();
    expect(excessiveNesting(`// ${inside}\n/* ${inside} */ {"a": 1}`)).toBeUndefined();
    // A quote that only looks escaped (the backslash is itself escaped) ends the string.
    expect(excessiveNesting(`["\\\\", ${nested(MAX_NESTING_DEPTH)}]`)).toMatchObject({ code: 'json/too-deep' });
  });
});

describe('parseJsonDocument and nesting', () => {
  const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  it('refuses nesting over the limit, located, whether the JSON is otherwise valid or not', () => {
    // Found by exploratory testing: some thousands deep crashed the duplicate-key walk; deeper still lost positions.
    // Line 2 is ` "x": ` and then the brackets; the object is level 1, so bracket k (column 6 + k) is level k + 1.
    for (const depth of [4_800, 30_000]) {
      for (const text of [`{"rules": [],\n "x": ${nested(depth)}}`, `{"rules": [],\n "x": ${nested(depth)}`]) {
        expect(problemsOf(() => parseJsonDocument(text, 'p.json'))).toEqual([
          expect.objectContaining({ code: 'json/too-deep', location: { file: 'p.json', line: 2, column: 6 + MAX_NESTING_DEPTH } }),
        ]);
      }
    }
  });

  it('reports malformed text whose parse nests too deep for the stack at its start, instead of crashing', () => {
    // Stray closing brackets keep the scan's depth low, but the parser skips them while recovering.
    const text = `${'['.repeat(500)}${'}'.repeat(500)},`.repeat(40);
    expect(excessiveNesting(text)).toBeUndefined();
    expect(problemsOf(() => parseJsonDocument(text, 'p.json'))).toEqual([
      expect.objectContaining({ code: 'json/syntax', message: 'invalid JSON, nested too deeply to say where it breaks', location: { file: 'p.json', line: 1, column: 1 } }),
    ]);
  });

  it('reads the limit itself, with positions and the duplicate-key check', () => {
    const doc = parseJsonDocument(`{"x": ${nested(MAX_NESTING_DEPTH - 1)}, "n": 1}`, 'p.json');
    expect(doc.locate('/n')).toEqual({ line: 1, column: 6 + 2 * (MAX_NESTING_DEPTH - 1) + 8 });
    expect(problemsOf(() => parseJsonDocument(`{"x": ${nested(MAX_NESTING_DEPTH - 1)}, "x": 1}`, 'p.json'))).toMatchObject([{ code: 'json/duplicate-key' }]);
  });
});
