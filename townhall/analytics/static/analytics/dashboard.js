// Draw each chart from its Vega-Lite spec (a json_script element) with vega-embed, and
// let the "Download SVG" button save what is drawn. Without JavaScript the tables and CSV
// links still carry every number.
(function () {
  "use strict";

  function download(svg, filename) {
    const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function draw(container) {
    const source = document.getElementById(container.dataset.spec);
    if (!source || typeof vegaEmbed !== "function") return;
    const spec = JSON.parse(source.textContent);
    const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    vegaEmbed(container, spec, {
      actions: false, // our own CSV link and SVG button; vega's menu would offer an online editor
      renderer: "svg",
      tooltip: true,
      config: reduceMotion ? { view: { continuousWidth: 400 } } : {},
    })
      .then((result) => {
        container.dataset.drawn = "true";
        const button = document.querySelector(`[data-svg-for="${container.id}"]`);
        if (!button) return;
        button.hidden = false;
        button.addEventListener("click", () => {
          result.view.toSVG().then((svg) => download(svg, button.dataset.filename));
        });
      })
      .catch((error) => {
        container.dataset.drawn = "failed";
        container.textContent = "This chart could not be drawn; the numbers are in the table below.";
        console.error(error);
      });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-spec]").forEach(draw);
  });
})();
