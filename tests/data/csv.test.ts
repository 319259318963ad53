import { describe, expect, it } from 'vitest';
import { CsvParser, CsvSyntaxError } from '../../src-main/data';

const parseAll = (text: string, cuts: number[] = []) => {
  const p = new CsvParser();
  const out = [];
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...p.push(text.slice(at, cut)));
    at = cut;
  }
  out.push(...p.end());
  return out;
};

describe('CsvParser', () => {
  const text = 'a,b,c\r\n"multi\nline, with ""quotes""",,x\n"",plain,"end"\nlast,row,no newline';
  const expected = [
    { fields: ['a', 'b', 'c'], line: 1 },
    { fields: ['multi\nline, with "quotes"', '', 'x'], line: 2 },
    { fields: ['', 'plain', 'end'], line: 4 },
    { fields: ['last', 'row', 'no newline'], line: 5 },
  ];

  it('parses RFC 4180: quoted delimiters, newlines, doubled quotes, CRLF, a missing final newline', () => {
    expect(parseAll(text)).toEqual(expected);
  });

  it('gives the same records wherever the chunks are cut', () => {
    for (let i = 0; i <= text.length; i++) {
      for (const j of [i, Math.min(text.length, i + 1), Math.min(text.length, i + 3)]) {
        expect(parseAll(text, [i, j]), `cut at ${i}, ${j}`).toEqual(expected);
      }
    }
  });

  it('reports malformed quoting with the line where the record starts', () => {
    expect(() => parseAll('a,b\nx,y"z\n')).toThrow(CsvSyntaxError);
    let error: unknown = null;
    try {
      parseAll('a,b\n1,2\n"ok" junk,3\n');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ line: 3, field: 0, message: 'unexpected character " " after a closing quote' });
  });
});
