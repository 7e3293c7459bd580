/* The organisation chart (plan Attachment 1): an ECharts tree drawn from the chart's JSON
   endpoint. A click opens or closes a node; the drawing grows with what is open and scrolls in
   its frame (phones too), and the zoom buttons scale it. Fonts follow the page (large-text mode). */
(function () {
  "use strict";
  var box = document.getElementById("org-chart");
  if (!box || !window.echarts) return;
  var frame = box.parentElement;
  var status = document.getElementById("chart-status");
  var text = JSON.parse(document.getElementById("chart-text").textContent);
  var COLORS = { 2: "#c8102e", 3: "#bc4c00", 4: "#0b57d0", 5: "#1a7f37" };
  var INITIAL_OPEN_DEPTH = 1; // the root starts open: its level and the next are shown
  var scale = 1;
  var data = null;
  var byId = {};
  var chart = null;

  function say(message) {
    status.textContent = message;
    status.hidden = !message;
  }

  function fontSize() {
    var root = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    return Math.round(root * 0.8125 * scale);
  }

  function prepare(node, depth) {
    byId[node.id] = node;
    var color = COLORS[node.level] || "#57606a";
    node.itemStyle = { color: color, borderColor: color };
    if (node.children) {
      node.collapsed = depth >= INITIAL_OPEN_DEPTH;
      node.children.forEach(function (child) { prepare(child, depth + 1); });
    }
  }

  function plain(value) { return String(value).replace(/[{}|]/g, ""); }

  function countParts(node) {
    var parts = [];
    data.levels.forEach(function (level, i) {
      if (node.counts && node.counts[i]) parts.push(level.label + " " + node.counts[i]);
    });
    return parts;
  }

  function kindText(node) {
    var parts = [data.kinds[node.kind] || ""];
    if (node.area) parts.push(text.area);
    if (node.inactive) parts.push(text.inactive);
    return parts.filter(Boolean).join(" · ");
  }

  /* A node's label as lines of [rich style, text] segments: name (with ▸ and the number of
     hidden children when closed), kind, then the counts per level, two levels a line. */
  function labelLines(node) {
    var first = [["name", node.name]];
    if (node.children && node.collapsed) first.push(["more", " ▸" + node.children.length]);
    var lines = [first];
    if (kindText(node)) lines.push([["meta", kindText(node)]]);
    var counts = countParts(node);
    for (var i = 0; i < counts.length; i += 2) {
      lines.push([["count", counts.slice(i, i + 2).join(" · ")]]);
    }
    return lines;
  }

  function label(params) {
    var node = params.data && byId[params.data.id];
    if (!node) return "";
    return labelLines(node).map(function (line) {
      return line.map(function (seg) { return "{" + seg[0] + "|" + plain(seg[1]) + "}"; }).join("");
    }).join("\n");
  }

  /* Font size (em) and line height (em) of each rich style; widths are estimated in em:
     CJK characters are one em wide, others about 0.6. */
  var STYLES = { name: [1, 1.45], more: [0.9, 1.45], meta: [0.85, 1.35], count: [0.85, 1.35] };

  function labelBox(node) {
    var width = 0;
    var height = 0;
    labelLines(node).forEach(function (line) {
      var lineWidth = 0;
      line.forEach(function (seg) {
        for (var i = 0; i < seg[1].length; i++) {
          lineWidth += (seg[1].charCodeAt(i) > 0x2e80 ? 1 : 0.6) * STYLES[seg[0]][0];
        }
      });
      width = Math.max(width, lineWidth);
      height += STYLES[line[0][0]][1];
    });
    return { width: width, height: height };
  }

  /* The open tree's shape: rows of leaves (ECharts leaves twice the gap between cousins as
     between siblings), depth, widest label and tallest leaf label (in em). */
  function shape(root) {
    var acc = { rows: 0, depth: 0, width: 0, leafHeight: 0, lastParent: null };
    (function visit(node, depth, parent) {
      var extent = labelBox(node);
      acc.depth = Math.max(acc.depth, depth);
      acc.width = Math.max(acc.width, extent.width);
      if (node.children && !node.collapsed) {
        node.children.forEach(function (child) { visit(child, depth + 1, node); });
      } else {
        acc.rows += acc.lastParent === null || acc.lastParent === parent ? 1 : 2;
        acc.lastParent = parent;
        acc.leafHeight = Math.max(acc.leafHeight, extent.height);
      }
    })(root, 0, null);
    return acc;
  }

  function layout() {
    var size = fontSize();
    var open = shape(data.root);
    var labelWidth = Math.ceil(open.width * size) + 12;
    var rowHeight = Math.ceil((open.leafHeight + 0.9) * size);
    var gap = Math.round(size * 1.5);
    // Every label sits right of its node; the edges fork just past the widest label.
    var width = labelWidth + 2 * gap + open.depth * (labelWidth + 2 * gap);
    var height = Math.max(open.rows, 2) * rowHeight + 2 * gap;
    box.style.width = width + "px"; // not stretched to the frame: edges stay short
    box.style.height = height + "px";
    var fork = Math.round((100 * (labelWidth + gap)) / (labelWidth + 2 * gap)) + "%";
    return { size: size, labelWidth: labelWidth, gap: gap, fork: fork };
  }

  function option(dims) {
    var colors = { name: "#1f2328", more: "#57606a", meta: "#57606a", count: "#9a6700" };
    var rich = {};
    Object.keys(STYLES).forEach(function (style) {
      rich[style] = {
        fontSize: Math.round(dims.size * STYLES[style][0]),
        lineHeight: Math.round(dims.size * STYLES[style][1]),
        color: colors[style],
        fontWeight: style === "name" ? "bold" : "normal"
      };
    });
    // No label width: ECharts 5 ignores line breaks in rich text that has one.
    var labelBase = {
      formatter: label, rich: rich,
      backgroundColor: "#fff", padding: [2, 4], borderRadius: 4
    };
    return {
      animationDuration: 300,
      animationDurationUpdate: 300,
      tooltip: {
        trigger: "item",
        confine: true,
        formatter: function (params) {
          var node = params.data && byId[params.data.id];
          if (!node) return "";
          var lines = [node.name, kindText(node)].concat(countParts(node));
          return lines.filter(Boolean).map(echarts.format.encodeHTML).join("<br>");
        }
      },
      toolbox: {
        show: false,  // the page's own "Download PNG" button does this, with a label
        left: 4,
        top: 4,
        feature: {
          saveAsImage: {
            name: box.dataset.pngName,
            title: text.savePng,
            pixelRatio: 2,
            backgroundColor: "#fff",
            excludeComponents: ["toolbox"]
          }
        }
      },
      series: [{
        type: "tree",
        data: [data.root],
        orient: "LR",
        left: dims.gap,
        right: dims.labelWidth + dims.gap,
        top: dims.gap,
        bottom: dims.gap,
        roam: false,
        expandAndCollapse: false,
        symbol: "circle",
        symbolSize: Math.max(8, dims.size * 0.7),
        edgeShape: "polyline",
        lineStyle: { color: "#afb8c1", width: 1.2 },
        edgeForkPosition: dims.fork,
        label: Object.assign({ position: "right", align: "left", verticalAlign: "middle" }, labelBase),
        emphasis: { focus: "none" }
      }]
    };
  }

  function draw() {
    var dims = layout();
    if (chart) chart.resize();
    chart.setOption(option(dims), { replaceMerge: ["series"] });
  }

  function toggle(params) {
    var node = params.data && byId[params.data.id];
    if (!node || !node.children) return;
    node.collapsed = !node.collapsed;
    draw();
  }

  function reset() {
    scale = 1;
    prepare(data.root, 0);
    draw();
    frame.scrollTo(0, 0);
  }

  function savePng() {
    var url = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff", excludeComponents: ["toolbox"] });
    var link = document.createElement("a");
    link.href = url;
    link.download = box.dataset.pngName + ".png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function bindButtons() {
    document.querySelectorAll("[data-chart]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var action = button.dataset.chart;
        if (action === "png") return savePng();
        if (action === "reset") return reset();
        scale = Math.min(2, Math.max(0.5, scale * (action === "zoom-in" ? 1.25 : 0.8)));
        draw();
      });
    });
  }

  say(text.loading);
  fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(function (json) {
      data = json;
      if (!data.root) { say(text.empty); return; }
      prepare(data.root, 0);
      layout();
      chart = echarts.init(box, null, { renderer: "canvas" });
      chart.on("click", toggle);
      draw();
      bindButtons();
      say("");
      var resizeTimer = null;
      window.addEventListener("resize", function () {
        clearTimeout(resizeTimer);
        resizeTimer = setTimeout(draw, 200);
      });
    })
    .catch(function (error) {
      say(text.failed);
      if (window.console) console.error(error);
    });
})();
