// UMD entry of the `ui-hg-diagram` widget: Dashboard 2.0 reads window['ui-hg-diagram'].UIHgDiagram.
export { default as UIHgDiagram } from './UIHgDiagram.vue';
