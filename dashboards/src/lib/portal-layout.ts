// The start portal's layout: widgets on a 12-column grid, in reading order. Pure operations used by the
// portal page and by tests; the page persists the result (server when the API offers it, else locally).

export type WidgetType = 'communication' | 'power' | 'alarms' | 'minimap' | 'groups';
export const WIDGET_TYPES: WidgetType[] = ['communication', 'power', 'alarms', 'minimap', 'groups'];

export interface PortalWidget {
  id: string;
  type: WidgetType;
  /** Width in grid columns (of 12). */
  w: 3 | 4 | 6 | 8 | 12;
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

export function addWidget(layout: PortalLayout, type: WidgetType, id: string): PortalLayout {
  return { ...layout, widgets: [...layout.widgets, { id, type, w: type === 'minimap' ? 12 : 4 }] };
}

export function removeWidget(layout: PortalLayout, id: string): PortalLayout {
  return { ...layout, widgets: layout.widgets.filter((w) => w.id !== id) };
}

/** Moves a widget by `delta` places (−1 earlier, +1 later), clamped to the ends. */
export function moveWidget(layout: PortalLayout, id: string, delta: number): PortalLayout {
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
export function resizeWidget(layout: PortalLayout, id: string, step: 1 | -1): PortalLayout {
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
  const widgets = v.widgets.filter((w) => w && typeof w.id === 'string' && (WIDGET_TYPES as string[]).includes(w.type) && WIDTHS.includes(w.w));
  return { version: 1, widgets };
}
