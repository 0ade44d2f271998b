/**
 * Debian's Chromium driven by playwright-core (no browser download), and what the web tests check on a
 * page: that each chart drew SVG marks with an area.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { BUILD_DIR } from "../../src/paths.ts";

export const CHROMIUM = process.env["ZKR_CHROMIUM"] ?? "/usr/bin/chromium";
export const SCREENSHOT_DIR = join(BUILD_DIR, "screenshots");

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
}

/** Fails the test on any script error or console error of the page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface ChartMarks {
  /** The chart's title (the heading or caption before it). */
  readonly title: string;
  /** Data marks (vega's role-mark items: bars, points, lines, rules). */
  readonly marks: number;
  /** Those drawn with a visible extent (> 0.5 px: both sides for a bar or point, one for a rule or line). */
  readonly drawn: number;
  /** Bars among them, and bars drawn with both sides > 0.5 px. */
  readonly bars: number;
  readonly barsDrawn: number;
}

/** Every SVG chart inside `scope` (a CSS selector), with its marks as Chromium laid them out. */
export function chartMarks(page: Page, scope: string): Promise<ChartMarks[]> {
  return page.$$eval(`${scope} svg.marks`, (svgs) =>
    svgs.map((svg) => {
      let title = svg.closest("figure")?.querySelector("figcaption")?.textContent ?? "";
      for (let n = svg.previousElementSibling; title === "" && n !== null; n = n.previousElementSibling) if (/^H[1-6]$/.test(n.tagName)) title = n.textContent ?? "";
      const items = [...svg.querySelectorAll("g.role-mark > path, g.role-mark > line, g.role-mark > rect")];
      const extent = (e: Element) => e.getBoundingClientRect();
      const bars = items.filter((e) => e.getAttribute("aria-roledescription") === "bar");
      const visible = (e: Element) => {
        const r = extent(e);
        return e.tagName === "line" || e.closest("g.mark-line, g.mark-rule") !== null ? r.width > 0.5 || r.height > 0.5 : r.width > 0.5 && r.height > 0.5;
      };
      return { title, marks: items.length, drawn: items.filter(visible).length, bars: bars.length, barsDrawn: bars.filter(visible).length };
    }),
  );
}
