import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/errors.js';
import { MAX_NESTING_DEPTH, readJsonDocument } from '../../src/load/json-document.js';
import { readJsonArrayDocument } from '../../src/load/json-stream.js';
import { problemsOfAsync } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'lifeguard-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string | Buffer): string => {
  const path = join(dir, `f${n++}.json`);
  writeFileSync(path, text);
  return path;
};

/** Streams `path` (whatever its size) in reads of `chunkBytes`; returns the visited elements and the document. */
async function stream(path: string, chunkBytes = 7) {
  const elements: unknown[] = [];
  const indices: number[] = [];
  const { doc, streamed } = await readJsonArrayDocument(path, 'items', (e, i) => (elements.push(e), indices.push(i)), { streamAbove: 0, chunkBytes });
  expect(indices).toEqual(elements.map((_, i) => i));
  return { elements, doc, streamed };
}

const withoutKey = (v: unknown): unknown => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const { items: _, ...rest } = v as Record<string, unknown>;
  return rest;
};

describe('readJsonArrayDocument', () => {
  it('visits every element in order and returns the rest with the array emptied', async () => {
    const text = '\uFEFF{ "before": {"items": [9]}, "items" : [ {"a": "x,]}\\"{"} ,[1,[2]], "s", 3 , null ], "after": [true] }';
    const { elements, doc, streamed } = await stream(file(text), 4);
    expect(streamed).toBe(true);
    expect(elements).toEqual([{ a: 'x,]}"{' }, [1, [2]], 's', 3, null]);
    expect(doc.value).toEqual({ before: { items: [9] }, items: [], after: [true] });
  });

  it('reads an empty array, and multi-byte characters split between reads', async () => {
    expect((await stream(file('{"items":[]}'))).elements).toEqual([]);
    const { elements } = await stream(file(Buffer.from('{"items":[{"t":"\u00e9\u20ac\ud83d\ude00"},"\u00e9"]}', 'utf8')), 4);
    expect(elements).toEqual([{ t: '\u00e9\u20ac\ud83d\ude00' }, '\u00e9']);
  });

  it('locates positions by reading the file again, only when asked', async () => {
    const { doc } = await stream(file('{\n  "items": [\n    {"a": 1}\n  ],\n  "n": 2\n}\n'));
    expect(doc.locate('/items/0/a')).toEqual({ line: 3, column: 11 });
    expect(doc.locate('/n')).toEqual({ line: 5, column: 8 });
  });

  it('rejects a second array of the same name after the streamed one (JSON.parse would take the later)', async () => {
    const problems = await problemsOfAsync(() => stream(file('{"items": [1], "items": [2]}')));
    // Located as the whole-document path locates it (here the file is small enough for its duplicate-key check).
    expect(problems).toMatchObject([{ code: 'json/duplicate-key', location: { line: 1, column: 16 } }]);
  });

  it('reads other shapes whole: no such key, not an array, a key spelled with escapes, a top-level array', async () => {
    expect(await stream(file('{"other": [1]}'))).toMatchObject({ elements: [], streamed: false, doc: { value: { other: [1] } } });
    expect(await stream(file('{"items": {"a": 1}}'))).toMatchObject({ elements: [], doc: { value: { items: { a: 1 } } } });
    expect(await stream(file('{"it\\u0065ms": [1, 2]}'))).toMatchObject({ elements: [1, 2] });
    expect(await stream(file('[{"items": [1]}]'))).toMatchObject({ elements: [], doc: { value: [{ items: [1] }] } });
  });

  it('gives the whole-document path\'s located error for a file that is not JSON, even after streaming elements', async () => {
    for (const text of ['{"items": [{"a": 1}, {"a": 2},', '{"items": [1, 2,]}', '{"items": [1 2]}', '{"items": [1]} x', '{"items": [1], }', '{"items": [1]', '']) {
      const path = file(text);
      const whole = await problemsOfAsync(() => readJsonDocument(path));
      expect(whole.length).toBeGreaterThan(0);
      expect(await problemsOfAsync(() => stream(path)), text).toEqual(whole);
    }
  });

  it('reports a missing file as unreadable', async () => {
    expect(await problemsOfAsync(() => stream(join(dir, 'missing.json')))).toMatchObject([{ code: 'file/unreadable', message: 'cannot read the file: no such file' }]);
  });

  // The exactness argument of json-stream.ts, checked: for any text, streaming agrees with JSON.parse
  // of the whole file (elements, rest, or the same located error), whatever the read size.
  const documents = fc
    .tuple(
      fc.dictionary(fc.string({ maxLength: 4 }).filter((k) => k !== 'items'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 6 }),
      fc.nat(3),
      fc.constantFrom(0, 1, 2, '\t', ' \r\n'),
    )
    .map(([rest, items, at, indent]) => {
      const entries = Object.entries(rest);
      entries.splice(Math.min(at, entries.length), 0, ['items', items]);
      return JSON.stringify(Object.fromEntries(entries), null, indent as string | number);
    });
  const mutated = fc.tuple(documents, fc.nat(), fc.constantFrom('', ',', ']', '}', '"', '\\', '[', '{', ' ', '1', ':')).map(([text, at, insert]) => {
    const k = at % (text.length + 1);
    return insert === '' ? text.slice(0, k) + text.slice(k + 1) : text.slice(0, k) + insert + text.slice(k);
  });

  it('agrees with the whole-document path on any document, valid or broken (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(documents, mutated), fc.integer({ min: 4, max: 40 }), async (text, chunkBytes) => {
        const path = file(text);
        let whole: unknown;
        let wholeProblems: unknown;
        try {
          whole = (await readJsonDocument(path)).value;
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          wholeProblems = e.problems;
        }
        let streamed: Awaited<ReturnType<typeof stream>> | undefined;
        let streamProblems: unknown;
        try {
          streamed = await stream(path, chunkBytes);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          streamProblems = e.problems;
        }
        if (wholeProblems !== undefined) {
          // Duplicate keys are rejected by the whole-document path only (as for files over 1 MiB).
          if ((wholeProblems as Array<{ code: string }>).every((p) => p.code === 'json/duplicate-key')) return;
          expect(streamProblems).toEqual(wholeProblems);
          return;
        }
        if (streamProblems !== undefined) {
          expect(streamProblems).toMatchObject([{ code: 'json/duplicate-key' }]);
          return;
        }
        const items = (whole as Record<string, unknown> | null)?.items;
        expect(streamed!.elements).toEqual(Array.isArray(items) ? items : []);
        expect(withoutKey(streamed!.doc.value)).toEqual(withoutKey(whole));
      }),
      { numRuns: 400 },
    );
  });
});

/** The input problems `fn` throws, or none when it succeeds. */
async function problemsOrNone(fn: () => Promise<unknown>) {
  try {
    await fn();
    return [];
  } catch (e) {
    if (e instanceof InputError) return e.problems;
    throw e;
  }
}

describe('readJsonArrayDocument, found by exploratory testing', () => {
  it('rejects a second key whose value is the text of an older marker, located', async () => {
    const text = '{"items": [1],\n "items": "\\u0000ecr-lifeguard:streamed-array"}';
    expect(await problemsOfAsync(() => stream(file(text)))).toMatchObject([{ code: 'json/duplicate-key', location: { line: 2, column: 2 } }]);
  });

  it('refuses nesting over the limit the same way on both paths, located; reads the limit itself', async () => {
    // Once, values some thousands deep were read without positions, and a few thousand deep crashed the duplicate-key walk.
    const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    for (const depth of [MAX_NESTING_DEPTH - 2, 4_800, 30_000]) {
      const text = `{"items": [1,\n ${nested(depth)}]}`;
      const streamed = await problemsOrNone(() => stream(file(text)));
      const whole = await problemsOrNone(() => readJsonDocument(file(text)));
      expect(streamed).toEqual(whole.map((p) => ({ ...p, location: { ...p.location, file: expect.any(String) } })));
      if (depth < MAX_NESTING_DEPTH) expect(whole).toEqual([]);
      // The object is level 1 and the array level 2, so the nested list's bracket at column 2 + k is level k + 2.
      else expect(whole).toMatchObject([{ code: 'json/too-deep', location: { line: 2, column: 2 + MAX_NESTING_DEPTH - 2 } }]);
    }
    const { elements } = await stream(file(`{"items": [1, ${nested(MAX_NESTING_DEPTH - 2)}]}`));
    expect(elements).toHaveLength(2);
  });
});
