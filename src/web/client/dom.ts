/** Tiny DOM helpers: every value shown goes in as text (never as HTML). */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`#${id} is missing from the page`);
  return e as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Readonly<Record<string, string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** Fills a table: a header row, then one row per entry; cells are text or nodes; `left` columns align left. */
export function fillTable(t: HTMLTableElement, header: readonly string[], rows: readonly (readonly (Node | string)[])[], attrs: (row: number) => Record<string, string> = () => ({}), left: ReadonlySet<number> = new Set([0])): void {
  const head = el("tr", {}, ...header.map((h, i) => el("th", { scope: "col", ...(left.has(i) ? { class: "l" } : {}) }, h)));
  t.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows.map((r, i) => el("tr", attrs(i), ...r.map((c, j) => el("td", left.has(j) ? { class: "l" } : {}, c))))));
}
