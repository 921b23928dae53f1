// Draws the report's Vega-Lite charts (specs from the page's JSON) with vega-embed;
// each chart's menu exports SVG and PNG. The numbers are also in the page's tables.
(function () {
  var data = document.getElementById("roi-charts");
  if (!data || typeof vegaEmbed !== "function") return;
  JSON.parse(data.textContent).forEach(function (chart) {
    vegaEmbed("#" + chart.id, chart.spec, {
      actions: { export: true, source: false, compiled: false, editor: false },
      renderer: "svg",
    }).catch(function (error) {
      document.getElementById(chart.id).textContent = "This chart could not be drawn: " + error;
    });
  });
})();
