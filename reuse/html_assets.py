"""The style and the script every HTML report inlines (see ``reuse.html``).

Kept as Python strings so they ship inside the package with no data-file setup. The page's
Content-Security-Policy allows exactly these two by their SHA-256, so they must be inlined
byte for byte as they are here.

Rules the script keeps, because corpus text is untrusted: text from the data goes into the
page only through ``createTextNode`` or ``textContent``/``title`` properties; no
``innerHTML``, ``insertAdjacentHTML``, ``document.write``, ``eval`` or URL built from data;
events are attached with ``addEventListener`` (inline handlers would be refused by the
policy anyway). Offsets in the data are code points, as in Python, so text is sliced
through ``Array.from`` (a JavaScript string counts UTF-16 units: an Extension B character
is two of them).
"""

from __future__ import annotations

CSS = """
:root {
  --zh: "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
    "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei",
    "Droid Sans Fallback", sans-serif;
  --ui: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
    "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif;
  --fg: #1f2328; --dim: #656d76; --line: #d0d7de; --bg: #f6f8fa; --acc: #0969da;
  --del-bg: #ffd7d5; --del-fg: #82071e; --ins-bg: #c8f5d2; --ins-fg: #055d20;
  --reuse-bg: #fff1a8; --sel-bg: #ffd33d;
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 var(--ui); color: var(--fg); background: #fff; }
header, main { max-width: 1280px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 14px; }
h1 { font-size: 20px; margin: 0 0 2px; overflow-wrap: anywhere; }
h2 { font-size: 16px; margin: 18px 0 8px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
.sub, .note, .dim { color: var(--dim); }
.sub { margin: 0 0 10px; font-size: 12px; }
.note { font-size: 12.5px; margin: 6px 0; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 8px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 120px;
  background: var(--bg); }
.card .num { font-size: 18px; font-weight: 600; overflow-wrap: anywhere; }
.card .lbl { font-size: 12px; color: var(--dim); }
.zh { font-family: var(--zh); }
.tabs { display: flex; gap: 2px; border-bottom: 1px solid var(--line); margin: 10px 0 12px;
  flex-wrap: wrap; }
.tab { border: 1px solid transparent; border-bottom: 0; background: none; padding: 7px 14px;
  font: inherit; cursor: pointer; color: var(--dim); border-radius: 6px 6px 0 0;
  margin-bottom: -1px; }
.tab[aria-selected="true"] { border-color: var(--line); background: #fff; color: var(--fg);
  font-weight: 600; }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 6px 0 10px; }
.toolbar input[type=search] { flex: 1 1 260px; padding: 6px 8px; border: 1px solid var(--line);
  border-radius: 6px; font: inherit; }
select, button.btn { font: inherit; padding: 5px 10px; border: 1px solid var(--line);
  border-radius: 6px; background: var(--bg); cursor: pointer; }
button.btn:disabled { opacity: .45; cursor: default; }
.chip { display: inline-block; border: 1px solid var(--line); border-radius: 12px;
  padding: 0 8px; margin: 1px 3px 1px 0; font-size: 12px; background: #fff;
  overflow-wrap: anywhere; }
.chip.on { background: #ddf4ff; border-color: #54aeff; }
button.chip { cursor: pointer; font-family: inherit; }
.info { color: var(--dim); font-size: 12.5px; }
.fam { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 8px; background: #fff; }
.fam-head { display: grid; grid-template-columns: 48px 96px minmax(0, 1fr);
  grid-template-rows: auto 1fr; gap: 2px 12px; width: 100%; text-align: left;
  background: none; border: 0; padding: 8px 12px; cursor: pointer; font: inherit;
  color: inherit; }
.fam-head > .fid, .fam-head > .fam-stats { grid-row: 1 / 3; }
.fam-head:hover { background: var(--bg); }
.fam[open] > .fam-head { background: #ddf4ff; }
.fid { font-weight: 600; color: var(--acc); }
.fam-stats { font-size: 12px; color: var(--dim); line-height: 1.35; }
.fam-stats b { color: var(--fg); font-size: 15px; }
.pv { font-family: var(--zh); font-size: 14.5px; display: -webkit-box; -webkit-line-clamp: 2;
  -webkit-box-orient: vertical; overflow: hidden; overflow-wrap: anywhere; }
.where { grid-column: 3; font-size: 12px; color: var(--dim); overflow-wrap: anywhere; }
.fam-body { padding: 4px 14px 14px; border-top: 1px solid var(--line); }
.pairsel { max-width: min(100%, 760px); font-size: 12.5px; }
.sbs { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
@media (max-width: 860px) { .sbs { grid-template-columns: 1fr; }
  .fam-head { grid-template-columns: 44px minmax(0, 1fr); }
  .fam-head > .fid, .fam-head > .fam-stats { grid-row: auto; }
  .pv, .where { grid-column: 1 / -1; } }
.side { border: 1px solid var(--line); border-radius: 6px; min-width: 0; }
.side-head { background: var(--bg); border-bottom: 1px solid var(--line); padding: 5px 10px;
  font-size: 12.5px; overflow-wrap: anywhere; }
.side-head .doc { font-weight: 600; }
.passage { font-family: var(--zh); font-size: 15px; line-height: 1.85; padding: 8px 12px;
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 26em; overflow-y: auto; }
.ctx { color: #8c959f; }
mark.del { background: var(--del-bg); color: var(--del-fg); border-radius: 2px; }
mark.ins { background: var(--ins-bg); color: var(--ins-fg); border-radius: 2px; }
.fold { text-decoration: underline dotted #9a6700; text-underline-offset: 4px; }
.gap { display: inline-block; width: 2px; height: 1.1em; background: #cf222e;
  vertical-align: -2px; margin: 0 1px; }
.cmp-head { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: baseline;
  margin: 6px 0; font-size: 12.5px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; color: var(--dim); }
.legend mark, .legend span.fold { padding: 0 3px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eaeef2;
  vertical-align: top; }
th { font-size: 12px; color: var(--dim); font-weight: 600; white-space: nowrap; }
th.sort { cursor: pointer; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.click { cursor: pointer; }
tr.click:hover { background: var(--bg); }
.docid { overflow-wrap: anywhere; }
.bar { display: inline-block; height: 9px; background: #eaeef2; width: 120px;
  vertical-align: middle; border-radius: 2px; overflow: hidden; }
.bar > span { display: block; height: 100%; background: #cf222e; }
.clip { font-family: var(--zh); display: -webkit-box; -webkit-line-clamp: 3;
  -webkit-box-orient: vertical; overflow: hidden; white-space: pre-wrap;
  overflow-wrap: anywhere; cursor: pointer; }
.clip.full { display: block; -webkit-line-clamp: unset; }
.pager { display: flex; gap: 6px; align-items: center; }
.draftgrid { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 14px; }
@media (max-width: 1000px) { .draftgrid { grid-template-columns: 1fr; } }
.draft { align-self: start; font-family: var(--zh); font-size: 15px; line-height: 1.9;
  white-space: pre-wrap; overflow-wrap: anywhere; border: 1px solid var(--line); border-radius: 6px;
  padding: 10px 14px; max-height: 80vh; overflow-y: auto; }
mark.reuse { background: var(--reuse-bg); cursor: pointer; color: inherit; }
mark.reuse.sel { background: var(--sel-bg); box-shadow: 0 2px 0 #bf8700; }
.phr { text-decoration: underline 2px #0969da; text-underline-offset: 4px; }
.panel { position: sticky; top: 8px; max-height: 92vh; overflow-y: auto; }
.src { border: 1px solid var(--line); border-radius: 6px; padding: 8px; margin-bottom: 10px; }
.src .sbs { grid-template-columns: 1fr; }
.matchlist li { cursor: pointer; margin: 2px 0; }
.matchlist li.on { font-weight: 600; }
.matchlist { padding-left: 3.2em; font-size: 13px; max-height: 28vh; overflow-y: auto;
  margin: 6px 0; border: 1px solid #eaeef2; border-radius: 6px; }
.chart { width: 100%; height: auto; display: block; max-width: 1100px; }
.chart.map { max-width: 820px; border: 1px solid var(--line); border-radius: 6px; }
.chart text { font: 11px var(--ui); fill: #57606a; }
.small-multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr));
  gap: 8px; }
.sm { border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; cursor: pointer; }
.sm.on { border-color: #54aeff; background: #f5fbff; }
.sm .t { font-family: var(--zh); font-weight: 600; overflow-wrap: anywhere; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  margin-right: 4px; vertical-align: middle; }
.cl { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin-bottom: 8px; }
.cl h3 { margin: 0 0 4px; }
.kv { font-size: 12.5px; color: var(--dim); margin-top: 4px; }
ul.plain { list-style: none; padding: 0; margin: 4px 0; }
"""

SCRIPT = r"""
(function () {
"use strict";
var D = JSON.parse(document.getElementById("reuse-data").textContent);
var app = document.getElementById("app");
var SVGNS = "http://www.w3.org/2000/svg";
var PALETTE = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#1b7c83",
  "#d1242f", "#6e7781", "#e16f24", "#a475f9", "#2da44e", "#953800"];

function add(node, kid) {
  if (kid === null || kid === undefined || kid === false) return;
  if (Array.isArray(kid)) { kid.forEach(function (k) { add(node, k); }); return; }
  node.appendChild(typeof kid === "object" ? kid : document.createTextNode(String(kid)));
}
function el(tag, cls) {
  var node = document.createElement(tag);
  if (cls) node.className = cls;
  for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
  return node;
}
function btn(cls, label, onclick) {
  var b = el("button", cls, label);
  b.type = "button";
  b.addEventListener("click", onclick);
  return b;
}
function svg(tag, attrs) {
  var node = document.createElementNS(SVGNS, tag);
  Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
  return node;
}
function svgText(x, y, text, anchor) {
  var t = svg("text", { x: x, y: y, "text-anchor": anchor || "start" });
  t.textContent = text;
  return t;
}
function tip(node, text) {
  var t = svg("title");
  t.textContent = text;
  node.appendChild(t);
  return node;
}
function fmt(n) { return Number(n).toLocaleString("en-US"); }
function pct(x) { return (100 * x).toFixed(1) + "%"; }
function cps(s) { return Array.from(s || ""); }
function oneLine(s, n) {
  var c = cps((s || "").replace(/\s+/g, " ").trim());
  return c.length > n ? c.slice(0, n - 1).join("") + "\u2026" : c.join("");
}
// Runs of blank lines (page furniture) would push a passage off screen: one break stands
// for a run. Only whitespace is changed, and only for display.
function shown(s) { return s.replace(/[ \t\u3000]*(\r?\n[ \t\u3000]*){2,}/g, "\n"); }
function bar(share) {
  var b = el("span", "bar"), f = el("span");
  f.style.width = Math.max(0, Math.min(100, 100 * share)).toFixed(1) + "%";
  b.appendChild(f);
  return b;
}

function tabs(list) {
  var nav = el("nav", "tabs"), body = el("div"), panes = [], buttons = [];
  list.forEach(function (item, i) {
    var b = btn("tab", item[0], function () { show(i); });
    b.setAttribute("role", "tab");
    var pane = el("section", "pane");
    pane.hidden = true;
    buttons.push(b);
    panes.push({ node: pane, render: item[1], done: false });
    nav.appendChild(b);
    body.appendChild(pane);
  });
  function show(i) {
    panes.forEach(function (p, j) {
      p.node.hidden = i !== j;
      buttons[j].setAttribute("aria-selected", i === j ? "true" : "false");
    });
    if (!panes[i].done) { panes[i].done = true; add(panes[i].node, panes[i].render()); }
  }
  return { node: el("div", null, nav, body), show: show };
}

function pager(total, size, onpage) {
  // One state, any number of controls (above and below a long list).
  var state = { page: 0 }, controls = [];
  function make() {
    var c = { info: el("span", "info"),
      prev: btn("btn", "\u2039 prev", function () { go(state.page - 1); }),
      next: btn("btn", "next \u203a", function () { go(state.page + 1); }) };
    controls.push(c);
    return el("span", "pager", c.prev, c.info, c.next);
  }
  function go(p) {
    var n = total(), pages = Math.max(1, Math.ceil(n / size));
    state.page = Math.max(0, Math.min(p, pages - 1));
    var a = n ? state.page * size + 1 : 0, z = Math.min(n, (state.page + 1) * size);
    controls.forEach(function (c) {
      c.info.textContent = fmt(a) + "\u2013" + fmt(z) + " of " + fmt(n);
      c.prev.disabled = state.page === 0;
      c.next.disabled = state.page >= pages - 1;
    });
    onpage(state.page * size, z);
  }
  return { make: make, go: go };
}

// ---------------------------------------------------------------- side by side

function equalRun(A, B, i, i2, j, j2, outA, outB) {
  var n = Math.min(i2 - i, j2 - j), k = 0;
  while (k < n) {
    var s = k, same = A[i + k] === B[j + k];
    while (k < n && (A[i + k] === B[j + k]) === same) k++;
    var ta = shown(A.slice(i + s, i + k).join("")), tb = shown(B.slice(j + s, j + k).join(""));
    if (same) { outA.push(ta); outB.push(tb); }
    else {
      var fa = el("span", "fold", ta), fb = el("span", "fold", tb);
      fa.title = "same after folding script and width: " + tb;
      fb.title = "same after folding script and width: " + ta;
      outA.push(fa); outB.push(fb);
    }
  }
  if (i2 - i > n) outA.push(shown(A.slice(i + n, i2).join("")));
  if (j2 - j > n) outB.push(shown(B.slice(j + n, j2).join("")));
}

function gapMark(title) {
  var g = el("span", "gap");
  g.title = title;
  return g;
}

// ops: flat [a1, a2, b1, b2, ...] changed blocks, code point offsets into a and b.
function diffSides(a, b, ops) {
  var A = cps(a), B = cps(b), outA = [], outB = [], i = 0, j = 0, ca = 0, cb = 0, edits = 0;
  for (var k = 0; k <= ops.length; k += 4) {
    var last = k >= ops.length;
    var a1 = last ? A.length : ops[k], b1 = last ? B.length : ops[k + 2];
    equalRun(A, B, i, a1, j, b1, outA, outB);
    if (last) break;
    var a2 = ops[k + 1], b2 = ops[k + 3];
    var ta = A.slice(a1, a2).join(""), tb = B.slice(b1, b2).join("");
    if (!ta.trim() && !tb.trim()) { outA.push(shown(ta)); outB.push(shown(tb)); }
    else {
      edits++; ca += a2 - a1; cb += b2 - b1;
      if (ta) { var ma = el("mark", "del", ta); if (tb) ma.title = "other side: " + tb;
        outA.push(ma); } else outA.push(gapMark("the other side adds: " + tb));
      if (tb) { var mb = el("mark", "ins", tb); if (ta) mb.title = "other side: " + ta;
        outB.push(mb); } else outB.push(gapMark("the other side has here: " + ta));
    }
    i = a2; j = b2;
  }
  return { a: outA, b: outB, edits: edits, ca: ca, cb: cb };
}

// side: {doc, title, date, range: [s, e], text, pre, post, clipped, label}
function sideBox(side, parts) {
  var head = el("div", "side-head", el("span", "doc docid", side.doc));
  if (side.title) add(head, [" \u00b7 ", el("span", "zh", side.title)]);
  if (side.date) add(head, [" \u00b7 ", side.date]);
  add(head, el("div", "dim", side.label ? [el("b", null, side.label), " \u00b7 "] : null,
    "characters " + fmt(side.range[0]) + "\u2013" + fmt(side.range[1]) +
    " (" + fmt(side.range[1] - side.range[0]) + ")",
    side.clipped ? ", shown in part" : ""));
  var p = el("div", "passage", el("span", "ctx", shown(side.pre || "")), parts,
    el("span", "ctx", shown(side.post || "")));
  p.lang = "zh";
  return el("div", "side", head, p);
}

function legend() {
  return el("div", "legend",
    el("span", null, el("mark", "del", "text"), " only on the left / changed"),
    el("span", null, el("mark", "ins", "text"), " only on the right / changed"),
    el("span", null, gapMark(""), " added on the other side"),
    el("span", null, el("span", "fold", "\u570b\u56fd"), " same after folding script or width"),
    el("span", "ctx", "grey: surrounding text"));
}

function compareView(left, right, ops, sim, quiet) {
  var d = diffSides(left.text, right.text, ops);
  var what = d.edits === 0 ? "no differences after folding" :
    d.edits + (d.edits === 1 ? " change: " : " changes: ") + fmt(d.ca) +
    " characters on the left, " + fmt(d.cb) + " on the right";
  return el("div", "cmp",
    el("div", "cmp-head", el("b", null, "similarity " + Number(sim).toFixed(2)),
      el("span", null, what), quiet ? null : legend()),
    el("div", "sbs", sideBox(left, d.a), sideBox(right, d.b)));
}

// ---------------------------------------------------------------- scan

function scanView() {
  var docs = D.docs, fams = D.families, L = D.limits;
  var famsOfDoc = docs.map(function () { return 0; });
  fams.forEach(function (f) {
    var seen = {};
    f.m.forEach(function (m) {
      if (m[0] >= 0 && !seen[m[0]]) { seen[m[0]] = 1; famsOfDoc[m[0]]++; }
    });
  });
  var state = { q: "", sort: "spread", doc: -1 };
  var view = [];
  var t = tabs([
    ["Reuse families (" + fmt(fams.length) + ")", familiesPane],
    ["Documents (" + fmt(docs.length) + ")", documentsPane],
  ].concat(D.skipped.length ? [["Skipped files (" + fmt(D.skipped.length) + ")", skippedPane]]
    : []).concat([["About this report", aboutPane]]));
  var setFilter = null;

  function docName(i) { return i >= 0 ? docs[i][0] : "?"; }

  function familiesPane() {
    var search = el("input");
    search.type = "search";
    search.placeholder = "filter by text or document id";
    var sort = el("select");
    [["spread", "most documents first"], ["length", "longest passage first"],
     ["edited", "most edited first (lowest similarity)"], ["id", "family number"]]
      .forEach(function (o) {
        var op = el("option", null, o[1]); op.value = o[0]; sort.appendChild(op);
      });
    var chip = el("span");
    var list = el("div", "fams");
    var pg = pager(function () { return view.length; }, 50, renderPage);
    function refilter() {
      var q = state.q.toLowerCase();
      view = [];
      fams.forEach(function (f, n) {
        if (state.doc >= 0 && !f.m.some(function (m) { return m[0] === state.doc; })) return;
        if (q && !matches(f, q)) return;
        view.push(n);
      });
      var key = {
        spread: function (f) { return [-f.d, -f.l, f.i]; },
        length: function (f) { return [-f.l, -f.d, f.i]; },
        edited: function (f) { return [f.s ? f.s[0] : 2, -f.d, f.i]; },
        id: function (f) { return [f.i]; },
      }[state.sort];
      view.sort(function (x, y) {
        var a = key(fams[x]), b = key(fams[y]);
        for (var k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
        return 0;
      });
      chip.textContent = "";
      if (state.doc >= 0) {
        add(chip, el("span", "chip on", "in " + docName(state.doc) + " ",
          btn("chip", "\u00d7 clear", function () { state.doc = -1; refilter(); })));
      }
      pg.go(0);
    }
    function matches(f, q) {
      var inDoc = function (m) { return docName(m[0]).toLowerCase().indexOf(q) >= 0; };
      if (f.m.some(inDoc)) return true;
      return f.t.some(function (t) { return t && t[0].toLowerCase().indexOf(q) >= 0; });
    }
    function renderPage(a, z) {
      list.textContent = "";
      if (!view.length) add(list, el("p", "note", fams.length ? "No family matches." :
        "No shared passages were found."));
      for (var k = a; k < z; k++) list.appendChild(familyRow(fams[view[k]]));
      window.scrollTo(0, Math.min(window.scrollY, list.offsetTop));
    }
    var timer = 0;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = search.value.trim(); refilter(); }, 200);
    });
    sort.addEventListener("change", function () { state.sort = sort.value; refilter(); });
    setFilter = function (d) { state.doc = d; refilter(); t.show(0); };
    var above = pg.make(), below = pg.make();
    refilter();
    return [
      el("p", "note", "A family is one passage and every place it occurs. Open one to see " +
        "its copies side by side: marked text is what differs between the two copies."),
      el("div", "toolbar", search, sort, chip, above), list, el("div", "toolbar", below)];
  }

  function familyRow(f) {
    var box = el("article", "fam");
    var withText = f.t.find(function (t) { return t; });
    var first = withText ? withText[0] : "";
    var names = [], seen = {};
    f.m.forEach(function (m) { if (!seen[m[0]]) { seen[m[0]] = 1; names.push(docName(m[0])); } });
    var more = f.d - Math.min(names.length, 4);
    var head = el("button", "fam-head",
      el("span", "fid", "#" + f.i),
      el("span", "fam-stats", el("b", null, fmt(f.d)), " documents", el("br"),
        fmt(f.l) + " chars", el("br"), f.s ? "sim " + f.s[0].toFixed(2) +
        (f.s[1] !== f.s[0] ? "\u2013" + f.s[1].toFixed(2) : "") : ""),
      el("span", "pv", oneLine(first, 400) || "(text not available)"));
    head.type = "button";
    head.setAttribute("aria-expanded", "false");
    var where = el("span", "where", names.slice(0, 4).join(" \u00b7 "),
      more > 0 ? " \u00b7 +" + fmt(more) + " more" : "");
    head.appendChild(where);
    box.appendChild(head);
    var body = null;
    head.addEventListener("click", function () {
      var open = head.getAttribute("aria-expanded") !== "true";
      head.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) box.setAttribute("open", ""); else box.removeAttribute("open");
      if (open && !body) { body = familyBody(f); box.appendChild(body); }
      if (body) body.hidden = !open;
    });
    return box;
  }

  function memberSide(f, k, s, e, label) {
    var m = f.m[k], t = f.t[k], A = cps(t[0]), C = L.context_chars;
    var full = m[2] - m[1];
    return {
      doc: docName(m[0]), title: m[0] >= 0 ? docs[m[0]][3] : "",
      date: m[0] >= 0 ? docs[m[0]][4] : "",
      range: [m[1] + s, m[1] + e], text: A.slice(s, e).join(""),
      pre: cps(t[1] + A.slice(Math.max(0, s - 2 * C), s).join("")).slice(-2 * C).join(""),
      post: cps(A.slice(e, e + 2 * C).join("") + (A.length >= full ? t[2] : " \u2026"))
        .slice(0, 2 * C).join(""),
      clipped: A.length < full && e >= A.length, label: label,
    };
  }

  function familyBody(f) {
    var body = el("div", "fam-body");
    var slot = el("div");
    if (f.p.length) {
      var choose = el("select", "pairsel");
      f.p.forEach(function (p, n) {
        var o = el("option", null, (n + 1) + ". " + docName(f.m[p[0]][0]) + "  \u21c4  " +
          docName(f.m[p[3]][0]) + "  \u00b7 similarity " + Number(p[6]).toFixed(2) + "  \u00b7 " +
          (p[7].length ? p[7].length / 4 + " changed" : "no change"));
        o.value = String(n);
        choose.appendChild(o);
      });
      var step = function (d) {
        return btn("btn", d < 0 ? "\u2039" : "\u203a", function () {
          pick((Number(choose.value) + d + f.p.length) % f.p.length);
        });
      };
      var pick = function (n) {
        choose.value = String(n);
        var p = f.p[n];
        var da = f.m[p[0]][0] >= 0 ? docs[f.m[p[0]][0]][4] : "";
        var db = f.m[p[3]][0] >= 0 ? docs[f.m[p[3]][0]][4] : "";
        var dated = da && db && da !== db;
        slot.textContent = "";
        slot.appendChild(compareView(memberSide(f, p[0], p[1], p[2], dated ? "earlier" : ""),
          memberSide(f, p[3], p[4], p[5], dated ? "later" : ""), p[7], p[6]));
      };
      choose.addEventListener("change", function () { pick(Number(choose.value)); });
      add(body, [el("div", "toolbar", el("b", null, "Side by side"),
        f.p.length > 1 ? [step(-1), choose, step(1)] : choose,
        el("span", "info", f.p.length > 1 ? fmt(f.p.length) + (f.np > f.p.length ? " of " +
          fmt(f.np) + " pairs: the longest, each new copy shown once where it can be" :
          " pairs") : "")), slot]);
      pick(0);
    } else {
      add(body, el("p", "note", f.np ? "The texts of this family's pairs are not in the report."
        : "No pair to show."));
    }
    add(body, el("h3", null, "Where it occurs (" + fmt(f.nm) + " copies in " + fmt(f.d) +
      " documents" + (f.m.length < f.nm ? ", first " + fmt(f.m.length) + " listed" : "") + ")"));
    var tb = el("tbody");
    f.m.forEach(function (m, k) {
      var t = f.t[k], cell;
      if (t) {
        cell = el("div", "clip", shown(t[0]), cps(t[0]).length < m[2] - m[1] ? " \u2026" : "");
        cell.lang = "zh";
        cell.title = "click to show all";
        cell.addEventListener("click", function () { cell.classList.toggle("full"); });
      } else cell = el("span", "dim", "text not embedded (limit " + L.members_with_text +
        " per family)");
      var doc = m[0] >= 0 ? docs[m[0]] : ["?", 0, 0, "", ""];
      tb.appendChild(el("tr", null,
        el("td", "docid", doc[0], doc[3] ? el("div", "dim zh", doc[3]) : null,
          doc[4] ? el("div", "dim", doc[4]) : null),
        el("td", "num", fmt(m[1]) + "\u2013" + fmt(m[2])),
        el("td", "num", fmt(m[2] - m[1])), el("td", null, cell)));
    });
    add(body, el("table", null, el("thead", null, el("tr", null, el("th", null, "document"),
      el("th", "num", "characters"), el("th", "num", "length"), el("th", null, "text"))), tb));
    return body;
  }

  function documentsPane() {
    var order = docs.map(function (_, i) { return i; });
    var keyName = "share";
    var keys = {
      share: function (i) { return [-(docs[i][2] / Math.max(docs[i][1], 1)), docs[i][0]]; },
      reused: function (i) { return [-docs[i][2], docs[i][0]]; },
      chars: function (i) { return [-docs[i][1], docs[i][0]]; },
      families: function (i) { return [-famsOfDoc[i], docs[i][0]]; },
      doc: function (i) { return [docs[i][0]]; },
    };
    var tb = el("tbody");
    var pg = pager(function () { return order.length; }, 100, function (a, z) {
      tb.textContent = "";
      for (var k = a; k < z; k++) tb.appendChild(docRow(order[k]));
    });
    function resort() {
      var key = keys[keyName];
      order.sort(function (x, y) {
        var a = key(x), b = key(y);
        for (var k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
        return 0;
      });
      pg.go(0);
    }
    function docRow(i) {
      var d = docs[i], share = d[2] / Math.max(d[1], 1);
      var tr = el("tr", famsOfDoc[i] ? "click" : null,
        el("td", "docid", d[0], d[3] ? el("div", "dim zh", d[3]) : null),
        el("td", null, d[4]), el("td", "num", fmt(d[1])), el("td", "num", fmt(d[2])),
        el("td", "num", pct(share)), el("td", null, bar(share)),
        el("td", "num", fmt(famsOfDoc[i])));
      if (famsOfDoc[i]) {
        tr.title = "show the families this document is in";
        tr.addEventListener("click", function () { setFilter(i); });
      }
      return tr;
    }
    function th(label, key, cls) {
      var h = el("th", (cls || "") + (key ? " sort" : ""),
        label + (key === keyName ? " \u25be" : ""));
      if (key) h.addEventListener("click", function () {
        keyName = key;
        Array.prototype.forEach.call(h.parentNode.children, function (c) {
          c.textContent = c.textContent.replace(" \u25be", "");
        });
        h.textContent = label + " \u25be";
        resort();
      });
      return h;
    }
    var head = el("tr", null, th("document", "doc"), th("date"), th("characters", "chars", "num"),
      th("reused", "reused", "num"), th("share", "share", "num"), th(""),
      th("families", "families", "num"));
    var controls = pg.make();
    resort();
    return [el("p", "note", "Reused share: characters of the document inside any family " +
      "(overlaps counted once). Click a document to list its families."),
      el("div", "toolbar", controls), el("table", null, el("thead", null, head), tb)];
  }

  function skippedPane() {
    var tb = el("tbody");
    D.skipped.forEach(function (s) {
      tb.appendChild(el("tr", null, el("td", "docid", s[0]), el("td", null, s[1])));
    });
    return el("table", null, el("thead", null, el("tr", null, el("th", null, "file"),
      el("th", null, "reason"))), tb);
  }

  function aboutPane() {
    return [
      el("h2", null, "Reading the side-by-side view"), legend(),
      el("p", "note", "Differences are found character by character after folding traditional " +
        "to simplified script, full to half width and letter case, and shown on the original " +
        "text. Characters that differ only by that folding are underlined with dots; a " +
        "renumbered figure or an edited clause is marked. Edits one character apart are " +
        "shown as one."),
      el("h2", null, "What this file holds"),
      el("ul", null,
        el("li", null, "Every family and document of the scan is listed."),
        el("li", null, "Per family, the texts of at most " + L.members_with_text + " copies and " +
          L.pairs_per_family + " pairs are included, and at most " + fmt(L.members_listed) +
          " copies are listed; the JSON output of the scan has them all."),
        el("li", null, "Passages are shown up to " + fmt(L.passage_chars) + " characters, with " +
          L.context_chars + " characters of surrounding text in grey; runs of blank lines are " +
          "shown as one line break."),
        D.missing_texts ? el("li", null, fmt(D.missing_texts) + " copies have no text here: " +
          "their files could not be read again or changed after the scan.") : null),
      el("p", "note", "Offsets are in Unicode code points of each file as decoded, the same " +
        "as in the JSON output. The page loads nothing from the network; corpus text is " +
        "shown as text only.")];
  }

  app.appendChild(t.node);
  t.show(0);
}

// ---------------------------------------------------------------- phrases

function niceStep(raw) {
  var p = Math.pow(10, Math.floor(Math.log10(raw)));
  var m = [1, 2, 2.5, 5, 10].find(function (c) { return c * p >= raw; });
  return m * p;
}

function lineChart(groups, series, label) {
  var W = 900, H = 300, l = 56, r = 16, top = 28, bottom = groups.length > 12 ? 64 : 36;
  var s = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "chart", role: "img" });
  var max = 0, lo = 0;
  series.forEach(function (se) {
    se.values.forEach(function (v) { max = Math.max(max, v); lo = Math.min(lo, v); });
  });
  var step = niceStep((max - lo) / 4 || 0.25);
  max = Math.ceil(max / step - 1e-9) * step || step;
  lo = Math.floor(lo / step + 1e-9) * step;
  var n = groups.length;
  var x = function (i) { return l + (n > 1 ? i * (W - l - r) / (n - 1) : (W - l - r) / 2); };
  var y = function (v) { return top + (H - top - bottom) * (1 - (v - lo) / (max - lo)); };
  for (var v = lo; v <= max + step / 2; v += step) {
    s.appendChild(svg("line", { x1: l, x2: W - r, y1: y(v), y2: y(v), stroke: "#eaeef2" }));
    s.appendChild(svgText(l - 6, y(v) + 4, Number(v.toPrecision(6)).toString(), "end"));
  }
  var every = Math.ceil(n / 24);
  groups.forEach(function (gname, i) {
    if (i % every) return;
    var t = svgText(x(i), H - bottom + 16, gname, n > 12 ? "end" : "middle");
    if (n > 12) t.setAttribute("transform", "rotate(-45 " + x(i) + " " + (H - bottom + 16) + ")");
    s.appendChild(t);
  });
  s.appendChild(tip(svgText(l, 14, label), label));
  series.forEach(function (se) {
    var pts = se.values.map(function (v, i) { return x(i).toFixed(1) + "," + y(v).toFixed(1); });
    s.appendChild(svg("polyline", { points: pts.join(" "), fill: "none", stroke: se.color,
      "stroke-width": 2 }));
    se.values.forEach(function (v, i) {
      s.appendChild(tip(svg("circle", { cx: x(i), cy: y(v), r: 3, fill: se.color }),
        se.name + " \u00b7 " + groups[i] + ": " + se.fmt(i)));
    });
  });
  return s;
}

function barChart(groups, values, color, describe) {
  var W = 240, H = 56, n = groups.length, max = Math.max.apply(null, values.concat([0])) || 1;
  var s = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "chart" });
  var w = W / Math.max(n, 1);
  values.forEach(function (v, i) {
    var h = v ? Math.max(1.5, (H - 14) * v / max) : 0;
    s.appendChild(tip(svg("rect", { x: i * w + 0.5, y: H - 12 - h, width: Math.max(w - 1, 0.5),
      height: h, fill: color }), groups[i] + ": " + describe(i)));
  });
  s.appendChild(svg("line", { x1: 0, x2: W, y1: H - 11.5, y2: H - 11.5, stroke: "#d0d7de" }));
  if (n) {
    s.appendChild(svgText(0, H - 1, groups[0]));
    if (n > 1) s.appendChild(svgText(W, H - 1, groups[n - 1], "end"));
  }
  return s;
}

function phrasesView() {
  var list = [["Stock phrases (" + fmt(D.phrases.length) + ")", phraseTable]];
  if (D.by) list.unshift(["Frequency by " + D.by.field, trendsPane]);
  if (D.families.length) list.push(["Formula families (" + fmt(D.families.length) + ")",
    familiesPane]);
  var t = tabs(list);
  app.appendChild(t.node);
  t.show(0);

  function phraseTable() {
    var tb = el("tbody");
    D.phrases.forEach(function (p, i) {
      tb.appendChild(el("tr", null, el("td", "num dim", i + 1), el("td", "zh", p[0]),
        el("td", "num", fmt(p[1])), el("td", "num", fmt(p[2])), el("td", "num", p[3].toFixed(3)),
        el("td", "num dim", p[4].toFixed(1))));
    });
    return [el("p", "note", "Formulas ranked by how many documents repeat them, counted on " +
      "normalised text (traditional and simplified count as one). " + fmt(D.phrases.length) +
      " shown of " + fmt(D.total) + " found in " + fmt(D.documents) + " documents."),
      el("table", null, el("thead", null, el("tr", null, el("th", "num", "#"),
        el("th", null, "phrase"), el("th", "num", "documents"), el("th", "num", "occurrences"),
        el("th", "num", "per 1,000 chars"), el("th", "num", "score"))), tb)];
  }

  function trendsPane() {
    var B = D.by, groups = B.groups.map(function (g) { return g[0]; });
    var modes = {
      rate: ["occurrences per 10,000 characters of the group", function (row, i) {
        return B.groups[i][2] ? 1e4 * row[1][i] / B.groups[i][2] : 0; }],
      docs: ["share of the group's documents using it", function (row, i) {
        return B.groups[i][1] ? row[2][i] / B.groups[i][1] : 0; }],
      count: ["occurrences", function (row, i) { return row[1][i]; }],
    };
    var mode = "rate", chosen = {};
    B.rows.slice(0, 5).forEach(function (r, i) { chosen[i] = true; });
    var sel = el("select");
    Object.keys(modes).forEach(function (k) {
      var o = el("option", null, modes[k][0]); o.value = k; sel.appendChild(o);
    });
    var big = el("div"), keys = el("div", "legend"), grid = el("div", "small-multiples");
    function describe(row, i) {
      return fmt(row[1][i]) + " occurrences in " + fmt(row[2][i]) + " of " + fmt(B.groups[i][1]) +
        " documents";
    }
    function color(i) { return PALETTE[i % PALETTE.length]; }
    function draw() {
      var f = modes[mode][1];
      big.textContent = ""; keys.textContent = ""; grid.textContent = "";
      var series = [];
      B.rows.forEach(function (row, i) {
        if (!chosen[i]) return;
        series.push({ name: row[0], color: color(i), values: groups.map(function (_, g) {
          return f(row, g); }), fmt: function (g) { return describe(row, g); } });
        add(keys, el("span", "zh", el("span", "swatch"), row[0]));
        keys.lastChild.firstChild.style.background = color(i);
      });
      big.appendChild(lineChart(groups, series, modes[mode][0]));
      B.rows.forEach(function (row, i) {
        var card = el("div", "sm" + (chosen[i] ? " on" : ""), el("div", "t", row[0]),
          barChart(groups, groups.map(function (_, g) { return f(row, g); }),
            chosen[i] ? color(i) : "#8c959f", function (g) { return describe(row, g); }));
        card.title = "click to add to or remove from the chart above";
        card.addEventListener("click", function () { chosen[i] = !chosen[i]; draw(); });
        grid.appendChild(card);
      });
    }
    sel.addEventListener("change", function () { mode = sel.value; draw(); });
    draw();
    var total = B.groups.reduce(function (a, g) { return a + g[1]; }, 0);
    return [el("div", "toolbar", el("span", null, "Show "), sel),
      el("p", "note", "Each formula's frequency in each " + B.field + " (" + fmt(groups.length) +
        " groups, " + fmt(total) + " documents). Click a formula below to add it to the " +
        "chart; hover a point or bar for its counts."),
      big, keys, el("h3", null, "Every formula"), grid];
  }

  function familiesPane() {
    var tb = el("tbody");
    D.families.forEach(function (f) {
      tb.appendChild(el("tr", null, el("td", "zh", f[0]), el("td", "dim", f[1]),
        el("td", "zh", f[2].map(function (m) {
          return el("span", "chip", m[0] + " (" + m[1] + ")");
        }))));
    });
    return el("table", null, el("thead", null, el("tr", null, el("th", null, "template"),
      el("th", null, "pattern"), el("th", null, "formulas (documents)"))), tb);
  }
}

// ---------------------------------------------------------------- check

function checkView() {
  var drafts = D.drafts, holder = el("div");
  if (drafts.length > 1) {
    var row = el("div", "toolbar"), buttons = [];
    drafts.forEach(function (d, i) {
      var b = btn("btn", d.name + " \u00b7 " + pct(d.share), function () { pick(i); });
      buttons.push(b); row.appendChild(b);
    });
    app.appendChild(row);
    var pick = function (i) {
      buttons.forEach(function (b, j) { b.classList.toggle("chip", false);
        b.classList.toggle("on", i === j); });
      holder.textContent = ""; holder.appendChild(draftView(drafts[i]));
    };
    app.appendChild(holder);
    pick(0);
  } else if (drafts.length) {
    app.appendChild(draftView(drafts[0]));
  }

  function draftView(d) {
    var marks = d.matches.map(function () { return []; });
    var text = el("div", "draft");
    text.lang = "zh";
    d.seg.forEach(function (s) {
      var node;
      if (s[1] >= 0) {
        node = el("mark", "reuse" + (s[2] ? " phr" : ""), s[0]);
        node.title = "reused: click for its sources";
        (function (k) { node.addEventListener("click", function () { select(k); }); })(s[1]);
        marks[s[1]].push(node);
      } else if (s[2]) {
        node = el("span", "phr", s[0]);
        node.title = "stock phrase";
      } else node = document.createTextNode(s[0]);
      text.appendChild(node);
    });
    var panel = el("div", "panel");
    var items = [];
    var order = d.matches.map(function (_, i) { return i; });
    var ol = el("ol", "matchlist");
    order.forEach(function (i) {
      var m = d.matches[i];
      var li = el("li", null, "characters " + fmt(m.s) + "\u2013" + fmt(m.e) + " \u00b7 " +
        (m.src.length ? m.src[0].doc : "") + (m.src.length + m.more > 1 ? " +" +
        (m.src.length + m.more - 1) : "") + " \u00b7 " + Number(m.sim).toFixed(2));
      li.addEventListener("click", function () { select(i, true); });
      items.push(li); ol.appendChild(li);
    });
    var detail = el("div");
    function select(i, scroll) {
      marks.forEach(function (ms, j) {
        ms.forEach(function (n) { n.classList.toggle("sel", i === j); });
      });
      items.forEach(function (li, j) { li.classList.toggle("on", i === j); });
      if (scroll && marks[i].length) marks[i][0].scrollIntoView({ block: "center" });
      var m = d.matches[i];
      detail.textContent = "";
      add(detail, el("h3", null, "Characters " + fmt(m.s) + "\u2013" + fmt(m.e) + " of the draft: "
        +
        (m.src.length + m.more) + (m.src.length + m.more === 1 ? " source" : " sources") +
        (m.more ? " (" + m.src.length + " shown)" : "")));
      m.src.forEach(function (s) {
        var right = { doc: s.doc, title: s.title, date: s.date, range: [s.start, s.end],
          label: "source" };
        var left = { doc: d.name, range: s.at, label: "draft", text: s.draft[0], pre: s.draft[1],
          post: s.draft[2] };
        var box = el("div", "src");
        if (s.src) {
          right.text = s.src[0]; right.pre = s.src[1]; right.post = s.src[2];
          right.clipped = cps(s.src[0]).length < s.end - s.start;
          box.appendChild(compareView(left, right, s.ops, s.sim, true));
        } else {
          add(box, [el("div", null, el("b", "docid", s.doc), " characters " + fmt(s.start) +
            "\u2013" + fmt(s.end) + " \u00b7 similarity " + Number(s.sim).toFixed(2)),
            el("p", "note", "The source's text is not in this report.")]);
        }
        detail.appendChild(box);
      });
    }
    add(panel, [el("h3", null, "Reused spans (" + fmt(d.matches.length) + ")"), legend(),
      d.matches.length ? ol : el("p", "note", "No reused span found."), detail]);
    var phr = d.phrases.slice().sort(function (a, b) { return b[2] - a[2]; });
    var head = el("div", "cmp-head", el("b", null, d.name),
      el("span", null, pct(d.share) + " reused "), bar(d.share),
      el("span", "dim", fmt(d.chars) + " characters \u00b7 " + fmt(d.matches.length) +
        " reused spans \u00b7 " + fmt(d.documents) + " corpus documents"),
      el("span", "legend", el("mark", "reuse", "reused"), el("span", "phr", "stock phrase")));
    var out = el("div", null, head,
      d.clipped ? el("p", "note", "The draft is shown up to " + fmt(D.limits.draft_chars) +
        " characters.") : null,
      el("div", "draftgrid", text, panel),
      phr.length ? el("div", null, el("h3", null, "Stock phrases in the draft"),
        el("div", "zh", phr.map(function (p) {
          return el("span", "chip", p[0] + " \u00d7" + p[1] + " \u00b7 in " + fmt(p[2]) + " docs");
        }))) : null);
    if (d.matches.length) select(0);
    return out;
  }
}

// ---------------------------------------------------------------- cluster

function clusterView() {
  var list = [["Clusters (" + fmt(D.clusters.length) + ")", clustersPane]];
  if (D.points) list.push(["Map", mapPane]);
  if (D.scores.length) list.push(["Choice of k", scoresPane]);
  var t = tabs(list);
  app.appendChild(t.node);
  t.show(0);
  function color(i) { return PALETTE[i % PALETTE.length]; }

  function clustersPane() {
    return D.clusters.map(function (c) {
      var docsBox = null;
      var more = btn("btn", "documents (" + fmt(c.docs.length) + ")", function () {
        if (!docsBox) {
          var repost = {};
          c.collapsed.forEach(function (d) { repost[d] = 1; });
          docsBox = el("ul", "plain", c.docs.map(function (d, i) {
            return el("li", null, el("span", "docid", d), c.titles[i] ?
              el("span", "dim zh", " \u00b7 " + c.titles[i]) : null,
              repost[d] ? el("span", "chip", "repost") : null);
          }));
          card.appendChild(docsBox);
        } else docsBox.hidden = !docsBox.hidden;
      });
      var sw = el("span", "swatch");
      sw.style.background = color(c.id);
      var card = el("div", "cl",
        el("h3", null, sw, "Cluster " + c.id + " \u00b7 " + fmt(c.docs.length) + " documents" +
          (c.collapsed.length ? " (" + fmt(c.collapsed.length) + " reposts)" : "")),
        el("div", "zh", c.terms.map(function (x) { return el("span", "chip", x); })),
        c.formulas.length ? el("div", "kv", "formulas: ", el("span", "zh",
          c.formulas.map(function (x) { return el("span", "chip on", x); }))) : null,
        el("div", "kv", "most representative: ", el("span", "docid", c.rep),
          c.title ? el("span", "zh", " \u00b7 " + c.title) : null),
        el("div", "toolbar", more));
      return card;
    });
  }

  function mapPane() {
    var W = 900, H = 560, pad = 24, P = D.points;
    var xs = P.map(function (p) { return p[0]; }), ys = P.map(function (p) { return p[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var sx = function (v) { return pad + (W - 2 * pad) * (v - x0) / ((x1 - x0) || 1); };
    var sy = function (v) { return H - pad - (H - 2 * pad) * (v - y0) / ((y1 - y0) || 1); };
    var s = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "chart map" });
    s.appendChild(svg("rect", { x: 0, y: 0, width: W, height: H, fill: "#fbfcfd" }));
    P.forEach(function (p) {
      s.appendChild(tip(svg("circle", { cx: sx(p[0]).toFixed(1), cy: sy(p[1]).toFixed(1), r: 4,
        fill: color(p[2]), "fill-opacity": 0.75 }),
        (p[3] ? p[3] + " \u00b7 " : "") + "cluster " + p[2]));
    });
    var keys = el("div", "legend", D.clusters.map(function (c) {
      var sw = el("span", "swatch");
      sw.style.background = color(c.id);
      return el("span", "zh", sw, c.id + ": " + c.terms.slice(0, 3).join(" "));
    }));
    return [el("p", "note", "Documents (reposts collapsed) on the first two components of " +
      "their TF-IDF vectors; hover a point for its document."), s, keys];
  }

  function scoresPane() {
    var groups = D.scores.map(function (s) { return "k=" + s[0]; });
    var values = D.scores.map(function (s) { return s[1]; });
    return [el("p", "note", "Silhouette (cosine) for each number of clusters tried; the best " +
      "was chosen" + (D.silhouette !== null ? " (" + D.silhouette.toFixed(3) + ", k=" + D.k + ")" :
      "") + "."), lineChart(groups, [{ name: "silhouette", color: PALETTE[0], values: values,
        fmt: function (i) { return values[i].toFixed(4); } }], "silhouette")];
  }
}

var views = { scan: scanView, phrases: phrasesView, check: checkView, cluster: clusterView };
views[D.kind]();
document.documentElement.setAttribute("data-ready", "1");
})();
"""
