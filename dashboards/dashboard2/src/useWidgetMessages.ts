// The Dashboard 2.0 side of a widget: the last message for this widget id, kept current from the
// dashboard's socket (`widget-load` answers with the stored message on mount, `msg-input:<id>` brings
// each new one). Plain component state, so the bundle needs no vuex.
import { inject, onBeforeUnmount, onMounted, shallowRef } from 'vue';

interface DashboardSocket {
  on(event: string, fn: (msg: unknown) => void): void;
  off(event: string, fn?: (msg: unknown) => void): void;
  emit(event: string, ...args: unknown[]): void;
}

export function useWidgetMessages<T>(id: string) {
  const socket = inject<DashboardSocket>('$socket');
  const msg = shallowRef<T | null>(null);
  const take = (m: unknown) => {
    if (m && typeof m === 'object') msg.value = m as T;
  };
  onMounted(() => {
    socket?.on(`widget-load:${id}`, take);
    socket?.on(`msg-input:${id}`, take);
    socket?.emit('widget-load', id);
  });
  onBeforeUnmount(() => {
    socket?.off(`widget-load:${id}`, take);
    socket?.off(`msg-input:${id}`, take);
  });
  return msg;
}
