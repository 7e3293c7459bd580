/* "Find a team" on /me/: narrows the team list while the person types, without a round trip.
   ES5, for the older WebView kernels of WeChat. Without it the search box still works: it is
   a GET form that the server answers with the matching teams. Options are rebuilt from a
   copy (hiding <option>s does not work in every phone's picker). */
(function () {
  var boxes = document.querySelectorAll("input[data-team-search]");
  Array.prototype.forEach.call(boxes, function (box) {
    var select = document.getElementById(box.getAttribute("data-team-search"));
    if (!select) return;
    var blank = select.options.length && select.options[0].value === "" ? select.options[0] : null;
    var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (group) {
      return {
        label: group.label,
        options: Array.prototype.map.call(group.querySelectorAll("option"), function (option) {
          return { value: option.value, text: option.text };
        })
      };
    });
    function fold(text) { return (text || "").replace(/\s+/g, "").toLowerCase(); }
    function show() {
      var wanted = fold(box.value);
      var chosen = select.value;
      while (select.firstChild) select.removeChild(select.firstChild);
      if (blank) select.appendChild(blank);
      groups.forEach(function (group) {
        var whole = !wanted || fold(group.label).indexOf(wanted) !== -1;
        var kept = group.options.filter(function (option) {
          return whole || fold(option.text).indexOf(wanted) !== -1;
        });
        if (!kept.length) return;
        var element = document.createElement("optgroup");
        element.label = group.label;
        kept.forEach(function (option) {
          var item = document.createElement("option");
          item.value = option.value;
          item.text = option.text;
          item.selected = option.value === chosen;
          element.appendChild(item);
        });
        select.appendChild(element);
      });
    }
    box.addEventListener("input", show);
  });
})();
