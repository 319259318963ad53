import { closeSync, fstatSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * The safetensors format, read lazily: the JSON header is parsed once, and each
 * tensor is read from its byte range on demand, so a multi-gigabyte checkpoint is
 * never in memory as a whole. BF16 and F16 are widened to float32 on read.
 */

/** An inconsistency in a model or adapter file: says which file and which key. */
export class ModelFileError extends Error {
  constructor(
    readonly file: string,
    readonly key: string | null,
    message: string,
  ) {
    super(`${basename(file)}${key ? ` [${key}]` : ''}: ${message}`);
    this.name = 'ModelFileError';
  }
}

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64';
const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 };
const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16']);

export interface TensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

/** A header longer than this is not a safetensors file (real ones are a few hundred KB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export class SafetensorsFile {
  readonly entries = new Map<string, TensorEntry>();
  readonly metadata: Record<string, string>;
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      const size = fstatSync(this.fd).size;
      if (size < 8) throw new ModelFileError(path, null, `file is ${size} bytes, too short for a safetensors header (truncated?)`);
      const lengthBytes = Buffer.alloc(8);
      readSync(this.fd, lengthBytes, 0, 8, 0);
      const headerLength = Number(lengthBytes.readBigUInt64LE(0));
      if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
        throw new ModelFileError(path, null, `header length ${headerLength} does not fit a ${size}-byte file (truncated or not safetensors)`);
      }
      const headerBytes = Buffer.alloc(headerLength);
      readSync(this.fd, headerBytes, 0, headerLength, 8);
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
      } catch (error) {
        throw new ModelFileError(path, null, `header is not JSON (${(error as Error).message})`);
      }
      if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new ModelFileError(path, null, 'header is not a JSON object');
      const dataStart = 8 + headerLength;
      this.metadata = (header.__metadata__ ?? {}) as Record<string, string>;
      for (const [key, value] of Object.entries(header)) {
        if (key === '__metadata__') continue;
        const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
        if (typeof v.dtype !== 'string' || !(v.dtype in BYTES)) {
          throw new ModelFileError(path, key, `unsupported dtype ${JSON.stringify(v.dtype)} (supported: ${Object.keys(BYTES).join(', ')})`);
        }
        const dtype = v.dtype as SafetensorsDtype;
        const shape = v.shape;
        const offsets = v.data_offsets;
        if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ModelFileError(path, key, 'shape is not a list of sizes');
        if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) throw new ModelFileError(path, key, 'data_offsets is not [begin, end]');
        const count = (shape as number[]).reduce((a, b) => a * b, 1);
        const [b, e] = offsets as number[];
        if (e - b !== count * BYTES[dtype]) {
          throw new ModelFileError(path, key, `holds ${e - b} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${count * BYTES[dtype]}`);
        }
        if (dataStart + e > size) {
          throw new ModelFileError(path, key, `data ends at byte ${dataStart + e} but the file has ${size} bytes (truncated)`);
        }
        this.entries.set(key, { dtype, shape: shape as number[], begin: dataStart + b, end: dataStart + e });
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  entry(key: string): TensorEntry {
    const entry = this.entries.get(key);
    if (!entry) throw new ModelFileError(this.path, key, 'tensor not found');
    return entry;
  }

  /** The tensor's bytes, or those of rows [start, start + count) of its first dimension. */
  private bytes(key: string, rows?: { start: number; count: number }): { entry: TensorEntry; bytes: Buffer } {
    if (this.fd === null) throw new ModelFileError(this.path, key, 'file already closed');
    const entry = this.entry(key);
    let begin = entry.begin;
    let length = entry.end - entry.begin;
    if (rows) {
      const rowBytes = length / entry.shape[0];
      if (!(rows.start >= 0 && rows.count >= 0 && rows.start + rows.count <= entry.shape[0])) {
        throw new ModelFileError(this.path, key, `rows ${rows.start}..${rows.start + rows.count} are outside its ${entry.shape[0]} rows`);
      }
      begin += rows.start * rowBytes;
      length = rows.count * rowBytes;
    }
    const bytes = Buffer.alloc(length);
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(this.fd, bytes, read, bytes.length - read, begin + read);
      if (n === 0) throw new ModelFileError(this.path, key, 'file ended while reading (truncated)');
      read += n;
    }
    return { entry, bytes };
  }

  /** A floating-point tensor widened to float32; with `rows`, only those rows of its first dimension. */
  readFloat32(key: string, rows?: { start: number; count: number }): { shape: number[]; data: Float32Array } {
    const { entry, bytes } = this.bytes(key, rows);
    if (!FLOAT_DTYPES.has(entry.dtype)) throw new ModelFileError(this.path, key, `expected a floating-point tensor, found ${entry.dtype}`);
    return { shape: rows ? [rows.count, ...entry.shape.slice(1)] : entry.shape, data: toFloat32(entry.dtype, bytes) };
  }

  /** An integer tensor (token ids, labels) as plain numbers. */
  readInt(key: string): { shape: number[]; data: Int32Array } {
    const { entry, bytes } = this.bytes(key);
    const n = bytes.length / BYTES[entry.dtype];
    const out = new Int32Array(n);
    if (entry.dtype === 'I32') for (let i = 0; i < n; i++) out[i] = bytes.readInt32LE(i * 4);
    else if (entry.dtype === 'I64') for (let i = 0; i < n; i++) out[i] = Number(bytes.readBigInt64LE(i * 8));
    else throw new ModelFileError(this.path, key, `expected an integer tensor, found ${entry.dtype}`);
    return { shape: entry.shape, data: out };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function toFloat32(dtype: SafetensorsDtype, bytes: Buffer): Float32Array {
  const n = bytes.length / BYTES[dtype];
  if (dtype === 'F32') {
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const out = new Float32Array(n);
  if (dtype === 'BF16') {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = bytes.readUInt16LE(i * 2) << 16;
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = halfToFloat(bytes.readUInt16LE(i * 2));
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Write float32 tensors as a safetensors file (keys sorted, as the Python writer
 * does), atomically: a crash leaves either the old file or the new one.
 */
export function writeSafetensors(path: string, tensors: Record<string, { shape: number[]; data: Float32Array }>, metadata: Record<string, string> = { format: 'pt' }): void {
  const keys = Object.keys(tensors).sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const key of keys) {
    const { shape, data } = tensors[key];
    const expected = shape.reduce((a, b) => a * b, 1);
    if (expected !== data.length) throw new Error(`${key}: ${data.length} values for shape [${shape.join(', ')}]`);
    header[key] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  // The data section starts 8-byte aligned, like files written by the safetensors library.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerBytes.length));
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, length);
    writeSync(fd, headerBytes);
    for (const key of keys) {
      const { data } = tensors[key];
      writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
