// UMD entry of the `ui-hg-map` widget: Dashboard 2.0 reads window['ui-hg-map'].UIHgMap.
export { default as UIHgMap } from './UIHgMap.vue';
