import { compile, type TopLevelSpec } from "vega-lite";
import { parse, View } from "vega";

export type ChartSpec = TopLevelSpec;

/**
 * Renders a Vega-Lite spec to a standalone SVG string in Node (vega's SVG renderer: no browser,
 * no canvas, no network), for reports and benchmark charts.
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
