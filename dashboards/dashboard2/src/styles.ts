// Puts the widgets' CSS into the page once. Dashboard 2.0 loads only a widget's .umd.js, so CSS has to
// travel inside it; the text comes from the operator app's stylesheet at build time (virtual module in
// vite.config.ts: its colour variables, the `.diagram` rules, `.big`, `.muted`), not from a copy.
import css from 'virtual:hg-widget-css';

const ID = 'hg-widget-css';
if (typeof document !== 'undefined' && !document.getElementById(ID)) {
  const style = document.createElement('style');
  style.id = ID;
  style.textContent = css;
  document.head.appendChild(style);
}
