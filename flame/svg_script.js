// gtrace flame graph behaviour: click a frame to zoom into it (its callers
// stay, full width and faded), Reset Zoom or a click on the root to go
// back; search by regular expression (the Search button, Ctrl-F or F3,
// ?s=REGEX in the URL) paints matches magenta and tells their share; the
// line at the bottom shows the frame under the mouse with its value and
// share. Frames carry their place in values (data-s, data-n) and depth
// (data-d); every redraw is computed from those.
(function () {
  "use strict";
  var frames = document.getElementById("frames");
  var total = +frames.getAttribute("data-total");
  var width = +frames.getAttribute("data-width");
  var pad = +frames.getAttribute("data-pad");
  var all = frames.getElementsByClassName("f"); // all[0] is the root
  var details = document.querySelector(".details");
  var matched = document.querySelector(".matched");
  var unzoomButton = document.querySelector(".unzoom");
  var searchButton = document.querySelector(".search");
  var fontSize = 12, fontWidth = 0.59; // as in svg.go
  var highlight = "rgb(230,0,230)";
  var searchTerm = null;

  function num(g, name) { return +g.getAttribute(name); }

  // The hover text is "name (value unit, share)": the name is what comes
  // before the last " (".
  function nameOf(g) {
    var t = g.firstElementChild.textContent;
    var i = t.lastIndexOf(" (");
    return i < 0 ? t : t.slice(0, i);
  }

  // fit cuts a name to the width as fitName in svg.go does.
  function fit(name, w) {
    var chars = Math.floor((w - 6) / (fontSize * fontWidth));
    if (chars < 3) return "";
    if (name.length <= chars) return name;
    return name.slice(0, chars - 2) + "..";
  }

  function place(g, x, w) {
    var rect = g.children[1], text = g.children[2];
    rect.setAttribute("x", x.toFixed(1));
    rect.setAttribute("width", w.toFixed(1));
    text.setAttribute("x", (x + 3).toFixed(1));
    text.textContent = fit(nameOf(g), w);
    g.classList.remove("hidden");
  }

  // zoom draws target full width: its callees scaled with it, its callers
  // full width and faded, everything else hidden.
  function zoom(target) {
    var s = num(target, "data-s"), n = num(target, "data-n"), d = num(target, "data-d");
    var scale = width / n;
    for (var i = 0; i < all.length; i++) {
      var g = all[i];
      var gs = num(g, "data-s"), gn = num(g, "data-n"), gd = num(g, "data-d");
      if (gd < d) {
        if (gs <= s && gs + gn >= s + n) {
          place(g, pad, width);
          g.classList.add("parent");
        } else {
          g.classList.add("hidden");
        }
      } else if (gs >= s && gs + gn <= s + n) {
        place(g, pad + (gs - s) * scale, gn * scale);
        g.classList.remove("parent");
      } else {
        g.classList.add("hidden");
      }
    }
    unzoomButton.classList.toggle("hidden", d === 0);
  }

  function unzoom() { zoom(all[0]); }

  // search paints the frames whose name matches and shows the share of
  // the total they cover (a match inside a match counted once).
  function search(term) {
    var re;
    try {
      re = new RegExp(term);
    } catch (e) {
      details.textContent = "Bad regular expression: " + e.message;
      return;
    }
    searchTerm = term;
    var spans = [];
    for (var i = 0; i < all.length; i++) {
      var g = all[i], rect = g.children[1];
      if (!rect.hasAttribute("data-fill")) rect.setAttribute("data-fill", rect.getAttribute("fill"));
      if (re.test(nameOf(g))) {
        rect.setAttribute("fill", highlight);
        g.classList.add("match");
        spans.push([num(g, "data-s"), num(g, "data-s") + num(g, "data-n")]);
      } else {
        rect.setAttribute("fill", rect.getAttribute("data-fill"));
        g.classList.remove("match");
      }
    }
    spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var covered = 0, end = 0;
    for (var j = 0; j < spans.length; j++) {
      var lo = Math.max(spans[j][0], end), hi = spans[j][1];
      if (hi > lo) {
        covered += hi - lo;
        end = hi;
      }
    }
    matched.textContent = "Matched: " + (total ? 100 * covered / total : 0).toFixed(2) + "%";
    searchButton.textContent = "Reset Search";
  }

  function resetSearch() {
    for (var i = 0; i < all.length; i++) {
      var rect = all[i].children[1];
      if (rect.hasAttribute("data-fill")) rect.setAttribute("fill", rect.getAttribute("data-fill"));
      all[i].classList.remove("match");
    }
    searchTerm = null;
    matched.textContent = "";
    searchButton.textContent = "Search";
  }

  function askSearch() {
    var term = window.prompt("Search for (a regular expression):", searchTerm || "");
    if (term) search(term);
  }

  function frameOf(e) {
    for (var n = e.target; n && n !== frames; n = n.parentNode) {
      if (n.classList && n.classList.contains("f")) return n;
    }
    return null;
  }

  frames.addEventListener("click", function (e) {
    var g = frameOf(e);
    if (g) zoom(g);
  });
  frames.addEventListener("mouseover", function (e) {
    var g = frameOf(e);
    if (g) details.textContent = g.firstElementChild.textContent;
  });
  frames.addEventListener("mouseout", function () { details.textContent = " "; });
  unzoomButton.addEventListener("click", unzoom);
  searchButton.addEventListener("click", function () {
    if (searchTerm !== null) resetSearch();
    else askSearch();
  });
  window.addEventListener("keydown", function (e) {
    if (((e.ctrlKey || e.metaKey) && e.key === "f") || e.key === "F3") {
      e.preventDefault();
      askSearch();
    } else if (e.key === "Escape") {
      resetSearch();
    }
  });
  var initial = new URLSearchParams(window.location.search).get("s");
  if (initial) search(initial);
  // For tools and tests: the script ran to the end.
  document.documentElement.setAttribute("data-ready", "true");
})();
