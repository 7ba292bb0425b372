// The start portal's layout: widgets on a 12-column grid, in reading order. Pure operations used by the
// portal page and by tests; the page persists the result (server when the API offers it, else locally).

export type WidgetType = 'communication' | 'power' | 'alarms' | 'minimap' | 'groups' | 'trend' | 'topAlarms';
export const WIDGET_TYPES: WidgetType[] = ['communication', 'power', 'alarms', 'topAlarms', 'trend', 'minimap', 'groups'];

export interface PortalWidget {
  id: string;
  type: WidgetType;
  /** Width in grid columns (of 12). */
  w: 3 | 4 | 6 | 8 | 12;
  /** Per-widget settings: the trend's device and point. */
  config?: { device?: string; point?: string };
}

export interface PortalLayout {
  version: 1;
  widgets: PortalWidget[];
}

export function defaultLayout(role: string | null | undefined): PortalLayout {
  const widgets: PortalWidget[] = [
    { id: 'w-communication', type: 'communication', w: 4 },
    { id: 'w-alarms', type: 'alarms', w: 4 },
    { id: 'w-power', type: 'power', w: 4 },
    { id: 'w-minimap', type: 'minimap', w: 12 },
  ];
  // Viewers watch; operators and up start with the alarm widget first, where they act.
  if (role === 'viewer') return { version: 1, widgets };
  return { version: 1, widgets: [widgets[1]!, widgets[0]!, widgets[2]!, widgets[3]!] };
}

type WithWidgets = { widgets: PortalWidget[] };

export function addWidget<L extends WithWidgets>(layout: L, type: WidgetType, id: string): L {
  return { ...layout, widgets: [...layout.widgets, { id, type, w: type === 'minimap' ? 12 : type === 'trend' ? 8 : 4, ...(type === 'trend' ? { config: { point: 'supply_temp_c' } } : {}) }] };
}

export function configureWidget<L extends WithWidgets>(layout: L, id: string, config: PortalWidget['config']): L {
  return { ...layout, widgets: layout.widgets.map((w) => (w.id === id ? { ...w, config: { ...w.config, ...config } } : w)) };
}

export function removeWidget<L extends WithWidgets>(layout: L, id: string): L {
  return { ...layout, widgets: layout.widgets.filter((w) => w.id !== id) };
}

/** Moves a widget by `delta` places (−1 earlier, +1 later), clamped to the ends. */
export function moveWidget<L extends WithWidgets>(layout: L, id: string, delta: number): L {
  const list = [...layout.widgets];
  const i = list.findIndex((w) => w.id === id);
  if (i < 0) return layout;
  const j = Math.max(0, Math.min(list.length - 1, i + delta));
  const [item] = list.splice(i, 1);
  list.splice(j, 0, item!);
  return { ...layout, widgets: list };
}

const WIDTHS: PortalWidget['w'][] = [3, 4, 6, 8, 12];
/** Cycles a widget's width to the next (or previous) step. */
export function resizeWidget<L extends WithWidgets>(layout: L, id: string, step: 1 | -1): L {
  return {
    ...layout,
    widgets: layout.widgets.map((w) => {
      if (w.id !== id) return w;
      const k = Math.max(0, Math.min(WIDTHS.length - 1, WIDTHS.indexOf(w.w) + step));
      return { ...w, w: WIDTHS[k]! };
    }),
  };
}

/** Accepts a stored layout only when it has the shape we write; anything else gives the default. */
export function parseLayout(value: unknown, role: string | null | undefined): PortalLayout {
  const v = value as PortalLayout | null;
  if (!v || v.version !== 1 || !Array.isArray(v.widgets)) return defaultLayout(role);
  return { version: 1, widgets: validWidgets(v.widgets) };
}

function validWidgets(list: unknown[]): PortalWidget[] {
  return (list as PortalWidget[]).filter((w) => w && typeof w.id === 'string' && (WIDGET_TYPES as string[]).includes(w.type) && WIDTHS.includes(w.w));
}

// ---- several portal pages (tabs). Stored as {version: 2, pages}; a version-1 layout becomes the first page.
/** A page: `title` is the user's name for it; default pages carry a `preset` whose name comes from the catalogue. */
export interface PortalPage { id: string; title?: string; preset?: 'overview' | 'alarms' | 'energy' | 'trends'; widgets: PortalWidget[] }
export interface PortalBook { version: 2; pages: PortalPage[] }

const W = (type: WidgetType, w: PortalWidget['w'], config?: PortalWidget['config']): PortalWidget => ({ id: `w-${type}-${w}${config?.point ? `-${config.point}` : ''}`, type, w, ...(config ? { config } : {}) });

/** Defaults per role: viewers watch (overview, trends); operators act (alarms first, a page of top alarms);
 * engineers and admins also get the energy page with power and heat-power trend. */
export function defaultBook(role: string | null | undefined): PortalBook {
  const overview: PortalPage = { id: 'p-overview', preset: 'overview', widgets: defaultLayout(role).widgets };
  const trends: PortalPage = { id: 'p-trends', preset: 'trends', widgets: [W('trend', 6, { point: 'supply_temp_c' }), W('trend', 6, { point: 'return_temp_c' }), W('groups', 12)] };
  if (role === 'viewer') return { version: 2, pages: [overview, trends] };
  const alarms: PortalPage = { id: 'p-alarms', preset: 'alarms', widgets: [W('topAlarms', 8), W('alarms', 4), W('communication', 4), W('groups', 8)] };
  if (role === 'operator') return { version: 2, pages: [overview, alarms, trends] };
  const energy: PortalPage = { id: 'p-energy', preset: 'energy', widgets: [W('power', 4), W('trend', 8, { point: 'heat_power_kw' }), W('communication', 4), W('trend', 8, { point: 'outdoor_temp_c' })] };
  return { version: 2, pages: [overview, alarms, energy, trends] };
}

export function parseBook(value: unknown, role: string | null | undefined): PortalBook {
  const v = value as { version?: number; pages?: unknown[]; widgets?: unknown[] } | null;
  if (v && v.version === 1 && Array.isArray(v.widgets)) return { version: 2, pages: [{ id: 'p-overview', preset: 'overview', widgets: validWidgets(v.widgets) }] };
  if (!v || v.version !== 2 || !Array.isArray(v.pages)) return defaultBook(role);
  const pages = (v.pages as PortalPage[])
    .filter((p) => p && typeof p.id === 'string' && Array.isArray(p.widgets))
    .map((p) => ({ id: p.id, ...(typeof p.title === 'string' ? { title: p.title.slice(0, 60) } : {}), ...(p.preset ? { preset: p.preset } : {}), widgets: validWidgets(p.widgets) }));
  return pages.length ? { version: 2, pages } : defaultBook(role);
}

export function addPage(book: PortalBook, id: string, title: string): PortalBook {
  return { ...book, pages: [...book.pages, { id, title, widgets: [] }] };
}
/** Removes a page; the last page stays. */
export function removePage(book: PortalBook, id: string): PortalBook {
  return book.pages.length <= 1 ? book : { ...book, pages: book.pages.filter((p) => p.id !== id) };
}
export function renamePage(book: PortalBook, id: string, title: string): PortalBook {
  return { ...book, pages: book.pages.map((p) => (p.id === id ? { ...p, title: title.slice(0, 60) } : p)) };
}
export function updatePage(book: PortalBook, page: PortalPage): PortalBook {
  return { ...book, pages: book.pages.map((p) => (p.id === page.id ? page : p)) };
}
