// A readable API reference at /api/v1/docs: static HTML plus a small script that renders openapi.json
// (grouped by tag: method, path, scope, parameters, bodies, responses). No CDN, no framework.
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Heatgrid API</title>
<link rel="stylesheet" href="docs.css">
</head>
<body>
<header><h1>Heatgrid API</h1><p id="intro">Loading <a href="openapi.json">openapi.json</a>…</p></header>
<nav id="toc" aria-label="Operations"></nav>
<main id="ops"></main>
<script src="docs.js"></script>
</body>
</html>
`;

export const DOCS_CSS = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #fafbfc; }
header { padding: 1rem 2rem; background: #12324a; color: #fff; }
header a { color: #cfe8ff; }
nav { padding: .5rem 2rem; columns: 3 18rem; font-size: 13px; }
nav a { display: block; color: #12324a; text-decoration: none; } nav a:hover { text-decoration: underline; }
main { padding: 0 2rem 3rem; max-width: 72rem; }
h2 { margin-top: 2rem; border-bottom: 2px solid #12324a; text-transform: capitalize; }
details { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; margin: .5rem 0; }
summary { padding: .5rem .75rem; cursor: pointer; font-family: ui-monospace, monospace; }
.m { display: inline-block; min-width: 4.5rem; font-weight: 700; }
.GET { color: #0b6e2e; } .POST { color: #8a4b00; } .PATCH, .PUT { color: #5b3fa8; } .DELETE { color: #a40e26; }
.scope { float: right; font-size: 12px; background: #eef2f6; border-radius: 4px; padding: 0 .4rem; }
.body { padding: 0 1rem 1rem; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #d0d7de; padding: .2rem .5rem; text-align: left; vertical-align: top; }
pre { background: #f3f5f7; padding: .5rem; overflow: auto; font-size: 12px; max-height: 24rem; }
`;

export const DOCS_JS = `
(function () {
  'use strict';
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function resolve(doc, schema, depth) {
    if (!schema || typeof schema !== 'object' || depth > 6) return schema;
    if (schema.$ref) return resolve(doc, doc.components.schemas[schema.$ref.split('/').pop()], depth + 1);
    var out = Array.isArray(schema) ? [] : {};
    Object.keys(schema).forEach(function (k) { out[k] = resolve(doc, schema[k], depth + 1); });
    return out;
  }
  function typeOf(s) {
    if (!s) return '';
    if (s.$ref) return s.$ref.split('/').pop();
    if (s.anyOf) return s.anyOf.map(typeOf).join(' | ');
    if (s.const !== undefined) return JSON.stringify(s.const);
    return (s.type || '') + (s.format ? ' (' + s.format + ')' : '') + (s.pattern ? ' ~ ' + s.pattern : '');
  }
  fetch('openapi.json', { credentials: 'same-origin' }).then(function (r) {
    if (!r.ok) throw new Error('openapi.json: HTTP ' + r.status + ' (log in first)');
    return r.json();
  }).then(function (doc) {
    var intro = document.getElementById('intro');
    intro.textContent = doc.info.description + ' Version ' + doc.info.version + '. ';
    intro.appendChild(el('a', { href: 'openapi.json' }, ['openapi.json']));
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        (byTag[op.tags[0]] = byTag[op.tags[0]] || []).push({ path: path, method: method.toUpperCase(), op: op });
      });
    });
    var main = document.getElementById('ops'), toc = document.getElementById('toc');
    Object.keys(byTag).forEach(function (tag) {
      main.appendChild(el('h2', { id: 'tag-' + tag }, [tag]));
      byTag[tag].forEach(function (item) {
        var op = item.op, id = 'op-' + op.operationId;
        toc.appendChild(el('a', { href: '#' + id }, [item.method + ' ' + item.path]));
        var body = el('div', { 'class': 'body' }, [el('p', {}, [op.description || '']), el('p', {}, ['operationId: ', el('code', {}, [op.operationId])])]);
        if (op.parameters) {
          var rows = op.parameters.map(function (p) {
            return el('tr', {}, [el('td', {}, [el('code', {}, [p.name])]), el('td', {}, [p.in]), el('td', {}, [p.required ? 'yes' : '']), el('td', {}, [typeOf(p.schema)]), el('td', {}, [p.description || (p.schema && p.schema.description) || ''])]);
          });
          body.appendChild(el('h4', {}, ['Parameters']));
          body.appendChild(el('table', {}, [el('tr', {}, ['name', 'in', 'required', 'type', 'description'].map(function (h) { return el('th', {}, [h]); }))].concat(rows)));
        }
        if (op.requestBody) {
          Object.keys(op.requestBody.content).forEach(function (type) {
            body.appendChild(el('h4', {}, ['Request body (' + type + ')']));
            body.appendChild(el('pre', {}, [JSON.stringify(resolve(doc, op.requestBody.content[type].schema, 0), null, 2)]));
          });
        }
        body.appendChild(el('h4', {}, ['Responses']));
        Object.keys(op.responses).forEach(function (status) {
          var r = op.responses[status];
          var d = el('details', {}, [el('summary', {}, [status + ' ' + r.description])]);
          if (status < 300 && r.content) d.appendChild(el('pre', {}, [JSON.stringify(resolve(doc, r.content['application/json'].schema, 0), null, 2)]));
          body.appendChild(d);
        });
        main.appendChild(el('details', { id: id }, [el('summary', {}, [el('span', { 'class': 'm ' + item.method }, [item.method]), item.path + '  ', el('span', {}, [op.summary]), el('span', { 'class': 'scope' }, [op['x-heatgrid-scope']])]), body]));
      });
    });
  }).catch(function (err) {
    document.getElementById('intro').textContent = String(err.message || err);
  });
})();
`;
