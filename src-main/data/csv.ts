/**
 * A streaming RFC 4180 reader: text arrives in chunks of any size, complete records
 * come out. Quoted fields may hold delimiters, `""` and newlines (gretel's SQL
 * contexts span lines). Malformed input is reported with the line where the record
 * started, because that is where a person looks in an editor.
 */

export interface CsvRecord {
  fields: string[];
  /** 1-based line of the file where this record starts. */
  line: number;
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    /** 0-based index of the field in its record. */
    readonly field: number,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

export interface CsvOptions {
  delimiter?: string;
  /** A field longer than this (in characters) is refused rather than buffered forever. */
  maxFieldChars?: number;
}

const QUOTE = 34; // "
const LF = 10;
const CR = 13;

export class CsvParser {
  private readonly delim: number;
  private readonly maxField: number;
  private fields: string[] = [];
  private parts: string[] = [];
  private partsLength = 0;
  /** 0 = at field start, 1 = unquoted field, 2 = inside quotes, 3 = just saw a quote inside quotes */
  private state = 0;
  private line = 1;
  private recordLine = 1;
  private recordStarted = false;

  constructor(options: CsvOptions = {}) {
    this.delim = (options.delimiter ?? ',').charCodeAt(0);
    this.maxField = options.maxFieldChars ?? 16 * 1024 * 1024;
  }

  /** Feed a chunk; completed records are appended to `out` (also when it then throws, so the caller knows where it stopped). */
  push(chunk: string, out: CsvRecord[] = []): CsvRecord[] {
    const n = chunk.length;
    let i = 0;
    let start = 0; // start of the pending slice of the current field in this chunk
    while (i < n) {
      const c = chunk.charCodeAt(i);
      if (this.state === 2) {
        // Inside quotes: jump to the next quote, counting newlines on the way.
        const q = chunk.indexOf('"', i);
        const end = q === -1 ? n : q;
        for (let k = i; k < end; k++) if (chunk.charCodeAt(k) === LF) this.line++;
        if (q === -1) {
          this.append(chunk, start, n);
          i = n;
          start = n;
          break;
        }
        this.append(chunk, start, q);
        i = q + 1;
        start = i;
        this.state = 3;
        continue;
      }
      if (this.state === 3) {
        if (c === QUOTE) {
          // "" is an escaped quote: keep one.
          this.append('"', 0, 1);
          i++;
          start = i;
          this.state = 2;
          continue;
        }
        if (c === this.delim) {
          this.endField();
          i++;
          start = i;
          continue;
        }
        if (c === LF || c === CR) {
          if (c === CR) {
            i++;
            start = i;
            continue; // the LF that follows ends the record
          }
          this.endField();
          out.push(this.endRecord());
          this.line++;
          i++;
          start = i;
          continue;
        }
        throw new CsvSyntaxError(`unexpected character ${JSON.stringify(chunk[i])} after a closing quote`, this.recordLine, this.fields.length);
      }
      // state 0 or 1: unquoted
      if (!this.recordStarted) {
        this.recordStarted = true;
        this.recordLine = this.line;
      }
      if (c === this.delim) {
        this.append(chunk, start, i);
        this.endField();
        i++;
        start = i;
      } else if (c === LF) {
        this.append(chunk, start, i);
        this.endField();
        out.push(this.endRecord());
        this.line++;
        i++;
        start = i;
      } else if (c === CR) {
        this.append(chunk, start, i);
        i++;
        start = i;
      } else if (c === QUOTE) {
        if (this.state === 0 && this.partsLength === 0) {
          this.state = 2;
          i++;
          start = i;
        } else {
          throw new CsvSyntaxError('a quote inside an unquoted field (quote the whole field and double the quote)', this.recordLine, this.fields.length);
        }
      } else {
        this.state = 1;
        i++;
      }
    }
    if (start < n) this.append(chunk, start, n);
    return out;
  }

  /** Flush the last record (a file need not end with a newline). */
  end(): CsvRecord[] {
    if (this.state === 2) throw new CsvSyntaxError('a quoted field is never closed', this.recordLine, this.fields.length);
    if (!this.recordStarted && this.fields.length === 0 && this.partsLength === 0) return [];
    this.endField();
    return [this.endRecord()];
  }

  private append(s: string, from: number, to: number): void {
    if (to <= from) return;
    if (!this.recordStarted) {
      this.recordStarted = true;
      this.recordLine = this.line;
    }
    this.partsLength += to - from;
    if (this.partsLength > this.maxField) {
      throw new CsvSyntaxError(`a field is longer than ${this.maxField.toLocaleString('en-US')} characters`, this.recordLine, this.fields.length);
    }
    this.parts.push(from === 0 && to === s.length ? s : s.slice(from, to));
  }

  private endField(): void {
    if (!this.recordStarted) {
      this.recordStarted = true;
      this.recordLine = this.line;
    }
    this.fields.push(this.parts.length === 1 ? this.parts[0] : this.parts.join(''));
    this.parts = [];
    this.partsLength = 0;
    this.state = 0;
  }

  private endRecord(): CsvRecord {
    const record = { fields: this.fields, line: this.recordLine };
    this.fields = [];
    this.recordStarted = false;
    return record;
  }
}
