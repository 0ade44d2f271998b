// The iden3 binary container of circom and snarkjs files (.r1cs, .zkey, .wtns, .ptau): a 4-byte
// magic, u32 version, u32 section count, then sections of (u32 id, u64 size, data), all little
// endian. One reader of the container for every file kind (the kinds' own decoding is built on it:
// src/circuit/r1cs.ts for .r1cs) and a sequential writer that produces byte-identical layouts to
// @iden3/binfileutils. Sections are read in place: views into the file's bytes, never copies.

import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { BinFileError } from "./errors.ts";
import { tempPathFor } from "./files.ts";

/** A section's data: `size` bytes from `offset` of the file. */
export interface BinSection {
  readonly offset: number;
  readonly size: number;
}

/** The container's table: version and sections by id (several of one id in file order). */
export interface BinTable {
  /** What errors call the file: its path, or its kind. */
  readonly name: string;
  readonly version: number;
  readonly sections: ReadonlyMap<number, readonly BinSection[]>;
  /** Where the last section ends: the file's size unless something follows the sections. */
  readonly end: number;
}

/** A whole file in memory and its table. */
export interface BinFile extends BinTable {
  readonly bytes: Uint8Array;
}

/** Random access to a file of `size` bytes; `read` is never asked for bytes past `size`. */
export interface BinSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

const HEADER_BYTES = 12;
const SECTION_HEADER_BYTES = 12;

/**
 * Reads the table of a container whose magic must be `magic`: BinFileError WRONG_FORMAT for another
 * magic, TRUNCATED when the table or a section runs past the end of the file.
 */
export function readBinTable(source: BinSource, magic: string, name: string = `${magic} file`): BinTable {
  const { size } = source;
  const got = size < 4 ? "" : new TextDecoder().decode(source.read(0, 4));
  if (got !== magic) throw new BinFileError("WRONG_FORMAT", `${name} is not a ${magic} file (magic "${got}")`);
  if (size < HEADER_BYTES) throw new BinFileError("TRUNCATED", `${name} is truncated: ${size} bytes, not even a header`);
  const head = dataView(source.read(0, HEADER_BYTES));
  const version = head.getUint32(4, true);
  const nSections = head.getUint32(8, true);
  const sections = new Map<number, BinSection[]>();
  let pos = HEADER_BYTES;
  for (let i = 0; i < nSections; i++) {
    if (pos + SECTION_HEADER_BYTES > size) {
      throw new BinFileError("TRUNCATED", `${name} is truncated: it ends after ${i} of its ${nSections} sections`);
    }
    const s = dataView(source.read(pos, SECTION_HEADER_BYTES));
    const id = s.getUint32(0, true);
    const sectionSize = Number(s.getBigUint64(4, true));
    pos += SECTION_HEADER_BYTES;
    if (pos + sectionSize > size) {
      throw new BinFileError("TRUNCATED", `${name} is truncated: section ${id} ends at byte ${pos + sectionSize}, the file has ${size}`);
    }
    const list = sections.get(id) ?? [];
    list.push({ offset: pos, size: sectionSize });
    sections.set(id, list);
    pos += sectionSize;
  }
  return { name, version, sections, end: pos };
}

/** Parses a whole file held in memory (see readBinTable for the errors). */
export function parseBinFile(bytes: Uint8Array, magic: string, name?: string): BinFile {
  const source: BinSource = { size: bytes.byteLength, read: (offset, length) => bytes.subarray(offset, offset + length) };
  return { ...readBinTable(source, magic, name), bytes };
}

/** The one section `id` of the table, or undefined when there is none; CORRUPT when there are several. */
export function findBinSection(table: BinTable, id: number): BinSection | undefined {
  const list = table.sections.get(id);
  if (list !== undefined && list.length > 1) {
    throw new BinFileError("CORRUPT", `${table.name} has ${list.length} sections ${id}, expected one`);
  }
  return list?.[0];
}

/** The data of section `id` (a view into the file's bytes), or undefined when the file has none. */
export function optionalBinSection(file: BinFile, id: number): Uint8Array | undefined {
  const s = findBinSection(file, id);
  return s === undefined ? undefined : file.bytes.subarray(s.offset, s.offset + s.size);
}

/** The data of section `id` (a view into the file's bytes); MISSING_SECTION when the file has none. */
export function binSection(file: BinFile, id: number): Uint8Array {
  const data = optionalBinSection(file, id);
  if (data === undefined) throw new BinFileError("MISSING_SECTION", `${file.name} has no section ${id}`);
  return data;
}

/** A little-endian reader over exactly these bytes. */
export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Sequential writer for a binary container, writing to a unique temp name beside `path`
 * (tempPathFor) and renaming on `commit()` so a crash never leaves a half-written file.
 */
export class BinFileWriter {
  private pos = 0;
  private sectionEnd = -1;
  private sectionId = -1;
  private writeMs = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly tmpPath: string,
    private readonly finalPath: string,
  ) {}

  static async create(path: string, magic: string, version: number, nSections: number): Promise<BinFileWriter> {
    const tmpPath = tempPathFor(path);
    const fh = await open(tmpPath, "w+");
    const w = new BinFileWriter(fh, tmpPath, path);
    const head = new Uint8Array(12);
    head.set(new TextEncoder().encode(magic), 0);
    const view = new DataView(head.buffer);
    view.setUint32(4, version, true);
    view.setUint32(8, nSections, true);
    await w.raw(head);
    return w;
  }

  /** Current write offset (bytes from the start of the file). */
  get position(): number {
    return this.pos;
  }

  /** Reads back bytes already written (e.g. to hash a finished section). */
  async readBack(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length > this.pos) throw new Error("readBack beyond written data");
    const buf = new Uint8Array(length);
    let off = 0;
    while (off < length) {
      const { bytesRead } = await this.fh.read(buf, off, length - off, offset + off);
      if (bytesRead === 0) throw new Error("unexpected end of file");
      off += bytesRead;
    }
    return buf;
  }

  /** Milliseconds spent inside file writes. */
  get writeTimeMs(): number {
    return this.writeMs;
  }

  async beginSection(id: number, size: number): Promise<void> {
    if (this.sectionId >= 0) throw new Error(`section ${this.sectionId} still open`);
    const head = new Uint8Array(12);
    const view = new DataView(head.buffer);
    view.setUint32(0, id, true);
    view.setBigUint64(4, BigInt(size), true);
    await this.raw(head);
    this.sectionId = id;
    this.sectionEnd = this.pos + size;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.sectionId < 0) throw new Error("write outside a section");
    if (this.pos + bytes.byteLength > this.sectionEnd) throw new Error(`section ${this.sectionId} overflow`);
    await this.raw(bytes);
  }

  async endSection(): Promise<void> {
    if (this.pos !== this.sectionEnd) {
      throw new Error(`section ${this.sectionId}: wrote ${this.pos - this.sectionEnd} bytes too few/many`);
    }
    this.sectionId = -1;
  }

  /** Writes a zero-filled section to be filled later with writeAt; returns its data offset. */
  async reserveSection(id: number, size: number): Promise<number> {
    await this.beginSection(id, size);
    const offset = this.pos;
    await this.write(new Uint8Array(size));
    await this.endSection();
    return offset;
  }

  /** Overwrites bytes already written (a reserved section). */
  async writeAt(offset: number, bytes: Uint8Array): Promise<void> {
    if (offset + bytes.byteLength > this.pos) throw new Error("writeAt beyond written data");
    const t = performance.now();
    let off = 0;
    while (off < bytes.byteLength) {
      const { bytesWritten } = await this.fh.write(bytes, off, bytes.byteLength - off, offset + off);
      off += bytesWritten;
    }
    this.writeMs += performance.now() - t;
  }

  async writeSection(id: number, parts: readonly Uint8Array[]): Promise<void> {
    const size = parts.reduce((s, p) => s + p.byteLength, 0);
    await this.beginSection(id, size);
    for (const p of parts) await this.write(p);
    await this.endSection();
  }

  async commit(): Promise<void> {
    if (this.sectionId >= 0) throw new Error(`section ${this.sectionId} still open`);
    await this.fh.close();
    await rename(this.tmpPath, this.finalPath);
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmpPath, { force: true });
  }

  private async raw(bytes: Uint8Array): Promise<void> {
    const t = performance.now();
    let off = 0;
    while (off < bytes.byteLength) {
      const { bytesWritten } = await this.fh.write(bytes, off, bytes.byteLength - off, this.pos + off);
      off += bytesWritten;
    }
    this.pos += bytes.byteLength;
    this.writeMs += performance.now() - t;
  }
}

export function u32le(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v, true));
  return out;
}

export function bigIntToBytesLE(v: bigint, n8: number): Uint8Array {
  const out = new Uint8Array(n8);
  let x = v;
  for (let i = 0; i < n8; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}
