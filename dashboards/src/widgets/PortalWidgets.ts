// The portal's widget registry: type → component (lazy, so the map code loads only with a map widget).
import { defineAsyncComponent, type Component } from 'vue';
import type { WidgetType } from '../lib/portal-layout.ts';

export const WIDGETS: Record<WidgetType, Component> = {
  communication: defineAsyncComponent(() => import('./CommunicationWidget.vue')),
  power: defineAsyncComponent(() => import('./PowerWidget.vue')),
  alarms: defineAsyncComponent(() => import('./AlarmsWidget.vue')),
  minimap: defineAsyncComponent(() => import('./MiniMapWidget.vue')),
  groups: defineAsyncComponent(() => import('./GroupsWidget.vue')),
  trend: defineAsyncComponent(() => import('./TrendWidget.vue')),
  topAlarms: defineAsyncComponent(() => import('./TopAlarmsWidget.vue')),
};
