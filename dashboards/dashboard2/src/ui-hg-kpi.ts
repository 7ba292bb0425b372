// UMD entry of the `ui-hg-kpi` widget: Dashboard 2.0 reads window['ui-hg-kpi'].UIHgKpi.
export { default as UIHgKpi } from './UIHgKpi.vue';
