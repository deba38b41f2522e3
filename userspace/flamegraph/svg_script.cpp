#include "flamegraph/svg_script.h"

namespace validprof::flamegraph {

const std::string_view kSvgStyle = R"CSS(
text { font-family: monospace; fill: #000; }
#frames text { pointer-events: none; }
#frames g { cursor: pointer; }
#frames g:hover rect { stroke: #000; stroke-width: 0.6; }
#frames g.ancestor rect { opacity: 0.55; }
.button { cursor: pointer; fill: #223; text-decoration: underline; }
.button:hover { fill: #a00; }
#title { font-size: 17px; text-anchor: middle; }
#subtitle { fill: #555; text-anchor: middle; }
#matched { text-anchor: end; }
#search { text-anchor: end; }
)CSS";

// Interaction, written for validprof: zoom by click (the clicked frame fills
// the width, its ancestors stay as full-width bars, everything else hides),
// reset with the button or Escape, search with the button or Ctrl-F (a
// regular expression, or the literal text if it is not one), matched share
// as the union of matched frames' widths so nested matches count once.
const std::string_view kSvgScript = R"JS(
"use strict";
var vp = { frames: [], zoomed: null, term: "" };

function vp_init() {
  var root = document.documentElement;
  vp.x0 = parseFloat(root.getAttribute("data-x0"));
  vp.w0 = parseFloat(root.getAttribute("data-w0"));
  vp.charWidth = parseFloat(root.getAttribute("data-char-width"));
  vp.textDy = parseFloat(root.getAttribute("data-text-dy"));
  vp.matchFill = root.getAttribute("data-match-fill");
  vp.details = document.getElementById("details");
  vp.matched = document.getElementById("matched");
  vp.reset = document.getElementById("reset");
  var groups = document.getElementById("frames").getElementsByTagName("g");
  for (var i = 0; i < groups.length; i++) {
    var g = groups[i];
    var rect = g.getElementsByTagName("rect")[0];
    var texts = g.getElementsByTagName("text");
    var title = g.getElementsByTagName("title")[0].textContent;
    var f = {
      g: g, rect: rect, text: texts.length ? texts[0] : null, title: title,
      name: title.split("\n")[0],
      x: parseFloat(rect.getAttribute("x")), w: parseFloat(rect.getAttribute("width")),
      y: parseFloat(rect.getAttribute("y")), fill: rect.getAttribute("fill")
    };
    vp.frames.push(f);
    g.addEventListener("click", vp_zoom.bind(null, f));
    g.addEventListener("mouseover", vp_show.bind(null, f));
    g.addEventListener("mouseout", vp_show.bind(null, null));
  }
  vp.reset.addEventListener("click", vp_unzoom);
  document.getElementById("search").addEventListener("click", vp_search);
  window.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { vp_unzoom(); }
    if ((e.ctrlKey || e.metaKey) && (e.key === "f" || e.key === "F")) { e.preventDefault(); vp_search(); }
  });
}

function vp_show(f) {
  vp.details.textContent = f ? f.title.split("\n").join("  |  ") : " ";
}

function vp_label(f, x, w) {
  var fit = Math.floor((w - 6) / vp.charWidth);
  if (fit < 3) { if (f.text) { f.text.textContent = ""; } return; }
  if (!f.text) {
    f.text = document.createElementNS("http://www.w3.org/2000/svg", "text");
    f.text.setAttribute("y", (f.y + vp.textDy).toFixed(2));
    f.g.appendChild(f.text);
  }
  f.text.setAttribute("x", (x + 3).toFixed(2));
  f.text.textContent = f.name.length <= fit ? f.name : f.name.substring(0, fit - 1) + "\u2026";
}

function vp_place(f, x, w, ancestor) {
  f.g.style.display = "";
  f.rect.setAttribute("x", x.toFixed(3));
  f.rect.setAttribute("width", w.toFixed(3));
  if (ancestor) { f.g.classList.add("ancestor"); } else { f.g.classList.remove("ancestor"); }
  vp_label(f, x, w);
}

function vp_zoom(target) {
  var eps = 0.01, scale = vp.w0 / target.w;
  for (var i = 0; i < vp.frames.length; i++) {
    var f = vp.frames[i];
    if (f.y > target.y) {
      if (f.x <= target.x + eps && f.x + f.w >= target.x + target.w - eps) {
        vp_place(f, vp.x0, vp.w0, true);
      } else {
        f.g.style.display = "none";
      }
    } else if (f.x + eps >= target.x && f.x + f.w <= target.x + target.w + eps) {
      vp_place(f, vp.x0 + (f.x - target.x) * scale, f.w * scale, false);
    } else {
      f.g.style.display = "none";
    }
  }
  vp.zoomed = target;
  vp.reset.style.opacity = "1";
}

function vp_unzoom() {
  for (var i = 0; i < vp.frames.length; i++) { vp_place(vp.frames[i], vp.frames[i].x, vp.frames[i].w, false); }
  vp.zoomed = null;
  vp.reset.style.opacity = "0";
}

function vp_search() {
  var term = window.prompt("Search frames (regular expression; empty clears)", vp.term);
  if (term === null) { return; }
  vp.term = term;
  var re = null;
  if (term !== "") {
    try { re = new RegExp(term); } catch (e) { re = new RegExp(term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")); }
  }
  var spans = [];
  for (var i = 0; i < vp.frames.length; i++) {
    var f = vp.frames[i];
    if (re && re.test(f.name)) {
      f.rect.setAttribute("fill", vp.matchFill);
      spans.push([f.x, f.x + f.w]);
    } else {
      f.rect.setAttribute("fill", f.fill);
    }
  }
  if (!re) { vp.matched.textContent = " "; return; }
  spans.sort(function (a, b) { return a[0] - b[0]; });
  var covered = 0, start = 0, end = -1;
  for (var k = 0; k < spans.length; k++) {
    if (spans[k][0] > end) { if (end > start) { covered += end - start; } start = spans[k][0]; end = spans[k][1]; }
    else if (spans[k][1] > end) { end = spans[k][1]; }
  }
  if (end > start) { covered += end - start; }
  vp.matched.textContent = "Matched: " + (100 * covered / vp.w0).toFixed(2) + "% (" + spans.length + " frames)";
}
)JS";

}  // namespace validprof::flamegraph
