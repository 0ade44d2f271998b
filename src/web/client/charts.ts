/**
 * vega-lite charts drawn as SVG by vega's own browser builds (served from node_modules as classic
 * scripts: the globals below), one view per container, replaced on each redraw.
 */
import type { TopLevelSpec } from "vega-lite";

declare const vega: typeof import("vega");
declare const vegaLite: typeof import("vega-lite");

const views = new Map<HTMLElement, import("vega").View>();

export async function drawChart(container: HTMLElement, spec: TopLevelSpec, label: string): Promise<void> {
  views.get(container)?.finalize();
  container.replaceChildren();
  container.setAttribute("role", "img");
  container.setAttribute("aria-label", label);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "svg", container, hover: true });
  views.set(container, view);
  await view.runAsync();
  container.dataset["drawn"] = String((Number(container.dataset["drawn"] ?? "0") || 0) + 1);
}

export function clearChart(container: HTMLElement): void {
  views.get(container)?.finalize();
  views.delete(container);
  container.replaceChildren();
}
