/* Townhall network view: names on hover/focus, neighbour highlight, zoom and pan.
   The SVG is drawn by the server; without this script it is still a working picture
   whose members are links. No dependencies. */
(function () {
  "use strict";

  function init(svg) {
    var section = svg.closest(".network");
    var tip = section.querySelector("[data-network-tip]");
    var nodes = svg.querySelectorAll(".network__nodes a");
    var lines = svg.querySelectorAll(".network__edges line");
    var layers = svg.querySelectorAll("g");
    var byId = {};
    var near = {};
    nodes.forEach(function (a) { byId[a.dataset.id] = a; near[a.dataset.id] = []; });
    lines.forEach(function (line) {
      var a = line.dataset.a, b = line.dataset.b;
      if (near[a]) near[a].push([b, line]);
      if (near[b]) near[b].push([a, line]);
    });

    function clear() {
      section.classList.remove("network--focus");
      section.querySelectorAll(".is-near, .is-focus").forEach(function (el) {
        el.classList.remove("is-near", "is-focus");
      });
      tip.textContent = "";
    }

    function show(a) {
      clear();
      section.classList.add("network--focus");
      a.classList.add("is-focus");
      var ties = near[a.dataset.id] || [];
      ties.forEach(function (pair) {
        pair[1].classList.add("is-near");
        if (byId[pair[0]]) byId[pair[0]].classList.add("is-near");
      });
      tip.textContent = a.dataset.name + " · cluster " + a.dataset.cluster + " · " +
        ties.length + (ties.length === 1 ? " tie drawn" : " ties drawn");
    }

    nodes.forEach(function (a) {
      a.addEventListener("mouseenter", function () { show(a); });
      a.addEventListener("focus", function () { show(a); });
      a.addEventListener("mouseleave", clear);
      a.addEventListener("blur", clear);
    });

    // Zoom and pan: one transform on both layers; buttons, wheel and drag.
    var view = { k: 1, x: 0, y: 0 };
    function apply() {
      var t = "translate(" + view.x + " " + view.y + ") scale(" + view.k + ")";
      layers.forEach(function (g) { g.setAttribute("transform", t); });
    }
    function zoom(factor, cx, cy) {
      var box = svg.viewBox.baseVal;
      cx = cx === undefined ? box.width / 2 : cx;
      cy = cy === undefined ? box.height / 2 : cy;
      var k = Math.min(8, Math.max(1, view.k * factor));
      view.x = cx - (cx - view.x) * (k / view.k);
      view.y = cy - (cy - view.y) * (k / view.k);
      view.k = k;
      if (k === 1) { view.x = 0; view.y = 0; }
      apply();
    }
    function toSvg(event) {
      var rect = svg.getBoundingClientRect(), box = svg.viewBox.baseVal;
      return [(event.clientX - rect.left) * box.width / rect.width,
              (event.clientY - rect.top) * box.height / rect.height];
    }
    var tools = section.querySelector(".network__tools");
    if (tools) {
      tools.hidden = false;
      tools.addEventListener("click", function (event) {
        var what = event.target.dataset && event.target.dataset.zoom;
        if (what === "in") zoom(1.5);
        if (what === "out") zoom(1 / 1.5);
        if (what === "reset") { view = { k: 1, x: 0, y: 0 }; apply(); }
      });
    }
    svg.addEventListener("wheel", function (event) {
      event.preventDefault();
      var p = toSvg(event);
      zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2, p[0], p[1]);
    }, { passive: false });
    var drag = null;
    svg.addEventListener("pointerdown", function (event) {
      if (event.target.closest("a")) return;
      drag = { p: toSvg(event), x: view.x, y: view.y };
    });
    svg.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var p = toSvg(event);
      view.x = drag.x + p[0] - drag.p[0];
      view.y = drag.y + p[1] - drag.p[1];
      apply();
    });
    window.addEventListener("pointerup", function () { drag = null; });
  }

  function start() { document.querySelectorAll("svg[data-network]").forEach(init); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
