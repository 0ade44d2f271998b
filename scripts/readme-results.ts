// Copies the measured reports into README.md between markers, so the README quotes files that a
// script produced instead of numbers typed by hand:
//   <!-- results:NAME --> ... <!-- /results:NAME -->  ←  build/reports/NAME.md
// Usage: npx tsx scripts/readme-results.ts   (after the scripts that write those reports)
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD_DIR, REPO_ROOT } from "../src/paths.ts";

const readmePath = join(REPO_ROOT, "README.md");
let readme = readFileSync(readmePath, "utf8");
const markers = [...readme.matchAll(/<!-- results:([\w-]+) -->/g)].map((m) => m[1] ?? "");
for (const name of markers) {
  const report = join(BUILD_DIR, "reports", `${name}.md`);
  if (!existsSync(report)) {
    console.error(`skipped ${name}: ${report} does not exist (run the script that writes it first)`);
    continue;
  }
  // Demote the report's own headings below the README's section heading.
  const body = readFileSync(report, "utf8").trim().replace(/^(#+) /gm, "###$1 ");
  const re = new RegExp(`<!-- results:${name} -->[\\s\\S]*?<!-- /results:${name} -->`);
  readme = readme.replace(re, `<!-- results:${name} -->\n${body}\n<!-- /results:${name} -->`);
  console.error(`README: ${name} <- ${report}`);
}
writeFileSync(readmePath, readme);
