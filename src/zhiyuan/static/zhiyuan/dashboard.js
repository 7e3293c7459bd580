/* The dashboard's charts (ECharts, served from the project's npm dependencies). The figures come
   from the page (json_script "dashboard-data"); each chart has a table beside it with the same
   figures, so the charts are hidden from screen readers and the page reads without JavaScript.
   Fonts follow the page (large-text mode); charts redraw when the window changes size. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var RED = "#c8102e";
  var PALETTE = [RED, "#0b57d0", "#bc4c00", "#1a7f37", "#8250df", "#57606a"];
  var charts = [];

  function fontSize() {
    var root = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    return Math.round(root * 0.75);
  }

  function progress(spec) {
    // Furthest behind first: the first name at the top of the bars.
    var names = spec.names.slice().reverse();
    var values = spec.values.slice().reverse().map(function (v) { return v === null ? 0 : v; });
    return {
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", splitNumber: 4, axisLabel: { formatter: "{value}%", hideOverlap: true } },
      yAxis: { type: "category", data: names, axisLabel: { width: 110, overflow: "truncate" } },
      series: [{
        type: "bar", name: spec.label, data: values, itemStyle: { color: RED },
        label: { show: true, position: "right", formatter: "{c}%" }
      }],
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } }
    };
  }

  function months(spec) {
    return {
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0 },
      xAxis: { type: "category", data: spec.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: spec.series.map(function (s) {
        return { type: "line", name: s.name, data: s.data, smooth: false, symbolSize: 6 };
      }),
      tooltip: { trigger: "axis" }
    };
  }

  function pie(spec) {
    return {
      series: [{
        type: "pie", radius: ["35%", "65%"], data: spec.items,
        label: { formatter: "{b}\n{c}", fontSize: fontSize() }
      }],
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" }
    };
  }

  function bars(spec) {
    return {
      grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.labels, axisLabel: { interval: 0, fontSize: fontSize() - 1 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: spec.values, itemStyle: { color: "#0b57d0" },
                 label: { show: true, position: "top" } }],
      tooltip: { trigger: "axis" }
    };
  }

  var BUILDERS = { progress: progress, months: months, gender: pie, age: bars, political: pie };

  function height(key, spec) {
    if (key === "progress") return Math.max(120, spec.names.length * 28 + 24);
    return null;
  }

  document.querySelectorAll("[data-chart]").forEach(function (box) {
    var key = box.dataset.chart;
    var spec = data[key];
    if (!spec || !BUILDERS[key]) return;
    var tall = height(key, spec);
    if (tall) box.style.height = tall + "px";
    var chart = echarts.init(box, null, { renderer: "canvas" });
    var option = BUILDERS[key](spec);
    option.color = PALETTE;
    option.textStyle = { fontSize: fontSize() };
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  });

  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
  });
})();
