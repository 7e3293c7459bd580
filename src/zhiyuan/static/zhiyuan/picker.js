/* Organisation pickers (organizations/_picker.html): as one types a name or a code, a list of
   matching organisations within one's scope appears under the box (from data-pick-url);
   choosing one puts its code in the box and its name under it. ES5 for WeChat's older
   WebView; keyboard: arrows, Enter, Escape. Without it the box still takes a name or a
   code, which the server resolves. */
(function () {
  function enhance(box) {
    if (box.getAttribute("data-picker-ready")) return;
    box.setAttribute("data-picker-ready", "1");
    box.removeAttribute("list");  // the page's datalist serves only pages without the script
    var url = box.getAttribute("data-pick-url");
    var caption = document.getElementById(box.getAttribute("aria-describedby") || "");
    var list = document.createElement("ul");
    list.className = "pick-list";
    list.id = box.id + "-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    box.parentNode.insertBefore(list, box.nextSibling);
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", list.id);
    box.setAttribute("aria-expanded", "false");
    var results = [], active = -1, timer = null, asked = "";

    function close() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function mark(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (item, i) {
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) box.setAttribute("aria-activedescendant", list.id + "-" + index);
    }
    function choose(index) {
      var chosen = results[index];
      if (!chosen) return;
      box.value = chosen.value;
      if (caption) caption.textContent = chosen.label + " · " + chosen.value;
      close();
    }
    function show(found) {
      results = found;
      while (list.firstChild) list.removeChild(list.firstChild);
      found.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.appendChild(document.createTextNode(item.label + " "));
        var code = document.createElement("span");
        code.className = "badge";
        code.textContent = item.value;
        option.appendChild(code);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus in the box
          choose(i);
        });
        list.appendChild(option);
      });
      list.hidden = !found.length;
      box.setAttribute("aria-expanded", found.length ? "true" : "false");
      mark(-1);
    }
    function ask() {
      var text = box.value.replace(/^\s+|\s+$/g, "");
      if (text === asked) return;
      asked = text;
      if (!text) { show([]); return; }
      var request = new XMLHttpRequest();
      var join = url.indexOf("?") === -1 ? "?" : "&";
      request.open("GET", url + join + "q=" + encodeURIComponent(text));
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status !== 200 || asked !== text) return;
        try { show(JSON.parse(request.responseText).results || []); } catch (e) { show([]); }
      };
      request.send();
    }
    box.addEventListener("input", function () {
      if (caption) caption.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    box.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); mark(Math.min(active + 1, results.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); mark(Math.max(active - 1, 0)); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(active); }
      else if (event.key === "Escape") { close(); }
    });
    box.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-pick-url]"), enhance);
})();
