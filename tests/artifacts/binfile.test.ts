import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BinFileWriter, binSection, findBinSection, optionalBinSection, parseBinFile, readBinTable } from "../../src/artifacts/binfile.ts";
import { binContainer, binFileErrorCode, tempFile } from "../helpers/binfile.ts";

const one = Uint8Array.from([1, 2, 3]);
const two = Uint8Array.from([4, 5, 6, 7, 8]);
const file = binContainer("zkey", [
  [1, one],
  [2, two],
  [7, new Uint8Array(0)],
]);

describe("iden3 binary container", () => {
  it("reads version and sections as views into the file's bytes", () => {
    const f = parseBinFile(file, "zkey", "k.zkey");
    expect(f.version).toBe(1);
    expect([...f.sections.keys()]).toEqual([1, 2, 7]);
    expect(f.end).toBe(file.length);
    expect([...binSection(f, 2)]).toEqual([...two]);
    expect(binSection(f, 7).length).toBe(0);
    // A view, not a copy: large keys are never duplicated in memory.
    expect(binSection(f, 1).buffer).toBe(file.buffer);
    expect(optionalBinSection(f, 3)).toBeUndefined();
  });

  it("reads the table through random access, touching only the table", () => {
    const asked: number[] = [];
    const table = readBinTable({ size: file.length, read: (offset, length) => (asked.push(length), file.subarray(offset, offset + length)) }, "zkey");
    expect(findBinSection(table, 2)).toEqual({ offset: 12 + 12 + 3 + 12, size: 5 });
    expect(asked.every((n) => n <= 12)).toBe(true);
  });

  it("tells another format, a truncated file, a missing or repeated section apart", () => {
    expect(binFileErrorCode(() => parseBinFile(file, "r1cs"))).toBe("WRONG_FORMAT");
    expect(binFileErrorCode(() => parseBinFile(file.subarray(0, 3), "zkey"))).toBe("WRONG_FORMAT");
    expect(binFileErrorCode(() => parseBinFile(file.subarray(0, 10), "zkey"))).toBe("TRUNCATED");
    // Cut inside a section's header, then inside a section's data.
    expect(binFileErrorCode(() => parseBinFile(file.subarray(0, 20), "zkey"))).toBe("TRUNCATED");
    expect(binFileErrorCode(() => parseBinFile(file.subarray(0, file.length - 13), "zkey"))).toBe("TRUNCATED");
    expect(binFileErrorCode(() => binSection(parseBinFile(file, "zkey"), 3))).toBe("MISSING_SECTION");
    const twice = parseBinFile(binContainer("wtns", [[2, one], [2, two]], 2), "wtns");
    expect(twice.version).toBe(2);
    expect(binFileErrorCode(() => binSection(twice, 2))).toBe("CORRUPT");
  });

  it("reads back what the writer wrote", async () => {
    const path = tempFile("w.ptau", new Uint8Array(0));
    const w = await BinFileWriter.create(path, "ptau", 1, 2);
    await w.writeSection(1, [one, two]);
    await w.writeSection(2, [two]);
    await w.commit();
    const f = parseBinFile(readFileSync(path), "ptau", path);
    expect([...binSection(f, 1)]).toEqual([...one, ...two]);
    expect([...binSection(f, 2)]).toEqual([...two]);
  });
});
