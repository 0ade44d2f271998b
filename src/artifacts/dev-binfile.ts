// iden3 binary container files (.r1cs, .zkey, .ptau): a 4-byte magic,
// u32 version, u32 section count, then sections of (u32 id, u64 size, data),
// all little endian. A tiny reader for .r1cs and a sequential writer that
// produces byte-identical layouts to @iden3/binfileutils.

import { open, readFile, rename, rm, type FileHandle } from "node:fs/promises";
import { bytesToBigIntLE } from "./dev-field.ts";

export interface BinSection {
  offset: number;
  size: number;
}

export function parseBinSections(bytes: Uint8Array, magic: string): Map<number, BinSection[]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const got = new TextDecoder().decode(bytes.subarray(0, 4));
  if (got !== magic) throw new Error(`not a ${magic} file (magic "${got}")`);
  const nSections = view.getUint32(8, true);
  const sections = new Map<number, BinSection[]>();
  let pos = 12;
  for (let i = 0; i < nSections; i++) {
    if (pos + 12 > bytes.byteLength) throw new Error(`truncated ${magic} file`);
    const id = view.getUint32(pos, true);
    const size = Number(view.getBigUint64(pos + 4, true));
    pos += 12;
    if (pos + size > bytes.byteLength) throw new Error(`truncated ${magic} section ${id}`);
    const list = sections.get(id) ?? [];
    list.push({ offset: pos, size });
    sections.set(id, list);
    pos += size;
  }
  return sections;
}

export interface R1cs {
  /** Whole file contents; constraint coefficients are read in place. */
  bytes: Uint8Array;
  view: DataView;
  n8: number;
  prime: bigint;
  nWires: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  nConstraints: number;
  /** Byte range of the constraints section. */
  constraints: BinSection;
}

export async function readR1cs(path: string): Promise<R1cs> {
  const bytes = await readFile(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sections = parseBinSections(bytes, "r1cs");
  const header = sections.get(1);
  const constraints = sections.get(2);
  if (header?.length !== 1 || constraints?.length !== 1) {
    throw new Error(`${path}: r1cs must have exactly one header and one constraints section`);
  }
  let p = (header[0] as BinSection).offset;
  const n8 = view.getUint32(p, true);
  p += 4;
  const prime = bytesToBigIntLE(bytes.subarray(p, p + n8));
  p += n8;
  const nWires = view.getUint32(p, true);
  const nOutputs = view.getUint32(p + 4, true);
  const nPubInputs = view.getUint32(p + 8, true);
  const nPrvInputs = view.getUint32(p + 12, true);
  // p + 16: nLabels (u64), unused
  const nConstraints = view.getUint32(p + 24, true);
  return {
    bytes,
    view,
    n8,
    prime,
    nWires,
    nOutputs,
    nPubInputs,
    nPrvInputs,
    nConstraints,
    constraints: constraints[0] as BinSection,
  };
}

/**
 * Sequential writer for a binary container, writing to `<path>.tmp` and
 * renaming on `commit()` so a crash never leaves a half-written file.
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
    const tmpPath = `${path}.tmp`;
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
