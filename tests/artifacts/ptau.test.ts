import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ArtifactError } from "../../src/artifacts/errors.ts";
import { inspectPtau } from "../../src/artifacts/ptau.ts";
import { snarkjsCli } from "../../src/artifacts/snarkjs-cli.ts";
import { InputFileError } from "../../src/io/input-file.ts";
import { thrownCode } from "../helpers/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "zkr-ptau-"));
const raw = join(dir, "raw.ptau");
const prepared = join(dir, "prepared.ptau");

beforeAll(() => {
  // A tiny ceremony made by the stock snarkjs CLI (power 4 keeps prepare phase2 quick).
  expect(snarkjsCli(["powersoftau", "new", "bn128", "4", raw]).code).toBe(0);
  expect(snarkjsCli(["powersoftau", "prepare", "phase2", raw, prepared]).code).toBe(0);
});

function badPtau(mutate: (bytes: Buffer) => Buffer): string {
  const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.ptau`);
  writeFileSync(path, mutate(readFileSync(prepared)));
  return path;
}

const codeOf = (run: () => unknown): string | undefined => thrownCode(ArtifactError, run);

describe("powers-of-tau files are checked before snarkjs reads them", () => {
  it("reads a snarkjs ptau: power and whether it is prepared for phase 2", () => {
    expect(inspectPtau(raw)).toEqual({ power: 4, ceremonyPower: 4, prepared: false });
    expect(inspectPtau(prepared)).toEqual({ power: 4, ceremonyPower: 4, prepared: true });
  });

  it("rejects a missing file, another format, a truncated or padded file", () => {
    expect(thrownCode(InputFileError, () => inspectPtau(join(dir, "missing.ptau")))).toBe("NOT_FOUND");
    expect(codeOf(() => inspectPtau(badPtau(() => Buffer.from("not a ptau file at all"))))).toBe("BAD_PTAU");
    expect(codeOf(() => inspectPtau(badPtau((b) => b.subarray(0, b.length - 100))))).toBe("BAD_PTAU");
    expect(codeOf(() => inspectPtau(badPtau((b) => Buffer.concat([b, Buffer.alloc(64)]))))).toBe("BAD_PTAU");
  });

  it("rejects another curve and a corrupted generator", () => {
    // Header section: magic(4) version(4) nSections(4), section type(4) size(8), then n8(4) and q.
    expect(codeOf(() => inspectPtau(badPtau((b) => { const c = Buffer.from(b); c[28] = (c[28] ?? 0) ^ 1; return c; })))).toBe("BAD_PTAU");
    const tauG1 = (b: Buffer) => {
      let at = 12;
      for (;;) {
        const type = b.readUInt32LE(at);
        if (type === 2) return at + 12;
        at += 12 + Number(b.readBigUInt64LE(at + 4));
      }
    };
    expect(codeOf(() => inspectPtau(badPtau((b) => { const c = Buffer.from(b); c[tauG1(c) + 5] = (c[tauG1(c) + 5] ?? 0) ^ 0xff; return c; })))).toBe("BAD_PTAU");
  });

  it("a copy of a valid file passes", () => {
    const copy = join(dir, "copy.ptau");
    copyFileSync(prepared, copy);
    expect(inspectPtau(copy).power).toBe(4);
  });
});
