// The build page's log pane: the log of the chosen task beside the
// pipeline, with ANSI colours (SGR codes become spans with classes), line
// numbers that link to a line (?task=stage/task#L12), search, a wrap
// toggle, follow (the API's ?follow=1 event stream) and download (the raw
// log). Log text is hostile: it only ever reaches the page as text nodes,
// never as HTML.
(function () {
  "use strict";

  // ansi turns one line with SGR escape codes into segments
  // [{text, cls, fg, bg}], carrying the style in state from line to line.
  // Other escape sequences (cursor moves, erase, OSC titles) are dropped.
  var BASIC = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];
  function newState() { return { bold: false, dim: false, italic: false, underline: false, fg: null, bg: null }; }
  function colourOf(n) {
    // 256-colour index to a class name (0-15) or an rgb() value.
    if (n < 8) return { cls: BASIC[n] };
    if (n < 16) return { cls: "bright-" + BASIC[n - 8] };
    if (n < 232) {
      n -= 16;
      var v = [0, 95, 135, 175, 215, 255];
      return { rgb: "rgb(" + v[Math.floor(n / 36)] + "," + v[Math.floor(n / 6) % 6] + "," + v[n % 6] + ")" };
    }
    var g = 8 + (n - 232) * 10;
    return { rgb: "rgb(" + g + "," + g + "," + g + ")" };
  }
  function clampByte(x) { x = parseInt(x, 10); return isNaN(x) ? 0 : Math.max(0, Math.min(255, x)); }
  function sgr(state, params) {
    var p = params === "" ? [0] : params.split(/[;:]/).map(function (x) { return x === "" ? 0 : parseInt(x, 10); });
    for (var i = 0; i < p.length; i++) {
      var c = p[i];
      if (c === 0) { var s = newState(); for (var k in s) state[k] = s[k]; }
      else if (c === 1) state.bold = true;
      else if (c === 2) state.dim = true;
      else if (c === 3) state.italic = true;
      else if (c === 4) state.underline = true;
      else if (c === 22) { state.bold = false; state.dim = false; }
      else if (c === 23) state.italic = false;
      else if (c === 24) state.underline = false;
      else if (c >= 30 && c <= 37) state.fg = { cls: BASIC[c - 30] };
      else if (c >= 90 && c <= 97) state.fg = { cls: "bright-" + BASIC[c - 90] };
      else if (c === 39) state.fg = null;
      else if (c >= 40 && c <= 47) state.bg = { cls: BASIC[c - 40] };
      else if (c >= 100 && c <= 107) state.bg = { cls: "bright-" + BASIC[c - 100] };
      else if (c === 49) state.bg = null;
      else if (c === 38 || c === 48) {
        var col = null;
        if (p[i + 1] === 5 && i + 2 < p.length) { col = colourOf(Math.max(0, Math.min(255, p[i + 2] | 0))); i += 2; }
        else if (p[i + 1] === 2 && i + 4 < p.length) { col = { rgb: "rgb(" + clampByte(p[i + 2]) + "," + clampByte(p[i + 3]) + "," + clampByte(p[i + 4]) + ")" }; i += 4; }
        else break;
        if (c === 38) state.fg = col; else state.bg = col;
      }
    }
  }
  function classesOf(state) {
    var cls = [];
    if (state.bold) cls.push("a-b");
    if (state.dim) cls.push("a-d");
    if (state.italic) cls.push("a-i");
    if (state.underline) cls.push("a-u");
    if (state.fg && state.fg.cls) cls.push("fg-" + state.fg.cls);
    if (state.bg && state.bg.cls) cls.push("bg-" + state.bg.cls);
    return cls.join(" ");
  }
  // eslint-disable-next-line no-control-regex
  var ESC = /\x1b(?:\[([0-9;:?]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;
  function ansi(line, state) {
    state = state || newState();
    // A carriage return redraws the line (progress bars): keep what was drawn last.
    var cr = line.lastIndexOf("\r", line.length - 2);
    if (cr >= 0) line = line.slice(cr + 1);
    line = line.replace(/\r$/, "");
    var out = [], last = 0, m;
    ESC.lastIndex = 0;
    function push(text) {
      if (!text) return;
      // Other control characters are not shown.
      // eslint-disable-next-line no-control-regex
      text = text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
      if (!text) return;
      out.push({ text: text, cls: classesOf(state), fg: state.fg && state.fg.rgb, bg: state.bg && state.bg.rgb });
    }
    while ((m = ESC.exec(line)) !== null) {
      push(line.slice(last, m.index));
      if (m[2] === "m" && m[1] !== undefined && m[1].indexOf("?") < 0) sgr(state, m[1]);
      last = ESC.lastIndex;
    }
    push(line.slice(last));
    return out;
  }
  window.DroverLog = { ansi: ansi, newState: newState };

  function el(tag, cls, txt) { var e = document.createElement(tag); if (cls) e.className = cls; if (txt !== undefined) e.textContent = txt; return e; }

  document.addEventListener("DOMContentLoaded", function () {
    var pane = document.getElementById("log");
    var body = document.getElementById("log-body");
    if (!pane || !body) return;
    var tools = document.getElementById("log-tools");
    var nameEl = document.getElementById("log-name");
    var icon = document.getElementById("log-icon");
    var errEl = document.getElementById("log-error");
    var search = document.getElementById("log-search");
    var count = document.getElementById("log-count");
    var wrapBtn = document.getElementById("log-wrap");
    var followBtn = document.getElementById("log-follow");
    var download = document.getElementById("log-download");
    var links = Array.prototype.slice.call(document.querySelectorAll("a.job-link[data-log]"));
    // What the pane shows the logs of: tasks (the build page) or steps (a promotion's).
    var what = pane.dataset.what || "task";
    var What = what.charAt(0).toUpperCase() + what.slice(1);
    var cur = null; // {key, link, es, lines: [{row, segs}], state, ended}
    var following = true;

    function setPressed(btn, on) { btn.setAttribute("aria-pressed", on ? "true" : "false"); }
    var wrap = true;
    try { wrap = localStorage.getItem("drover-log-wrap") !== "0"; } catch (e) { /* storage off */ }
    function applyWrap() { body.classList.toggle("wrap", wrap); setPressed(wrapBtn, wrap); }
    applyWrap();
    wrapBtn.addEventListener("click", function () {
      wrap = !wrap; applyWrap();
      try { localStorage.setItem("drover-log-wrap", wrap ? "1" : "0"); } catch (e) { /* storage off */ }
    });
    function setFollow(on) { following = on; setPressed(followBtn, on); if (on) body.scrollTop = body.scrollHeight; }
    followBtn.addEventListener("click", function () { setFollow(!following); });
    body.addEventListener("scroll", function () {
      // Scrolling up stops following; back at the bottom follows again.
      var atEnd = body.scrollTop + body.clientHeight >= body.scrollHeight - 8;
      if (following !== atEnd && cur && !cur.ended) setFollow(atEnd);
    });

    function renderText(cell, segs, needle) {
      cell.textContent = "";
      segs.forEach(function (s) {
        var span = s.cls || s.fg || s.bg ? el("span", s.cls) : null;
        if (span && s.fg) span.style.color = s.fg;
        if (span && s.bg) span.style.backgroundColor = s.bg;
        var target = span || cell;
        if (needle) {
          var lower = s.text.toLowerCase(), at = 0, i;
          while ((i = lower.indexOf(needle, at)) >= 0) {
            if (i > at) target.appendChild(document.createTextNode(s.text.slice(at, i)));
            target.appendChild(el("mark", "", s.text.slice(i, i + needle.length)));
            at = i + needle.length;
          }
          if (at < s.text.length) target.appendChild(document.createTextNode(s.text.slice(at)));
        } else {
          target.appendChild(document.createTextNode(s.text));
        }
        if (span) cell.appendChild(span);
      });
    }

    function lineURL(n) {
      var u = new URL(window.location.href);
      u.searchParams.set("task", cur.key);
      u.searchParams.delete("msg");
      u.hash = "L" + n;
      return u.pathname + u.search + u.hash;
    }

    var wantLine = 0, wantStep = "";
    function markLine(n, scroll) {
      body.querySelectorAll(".line.target").forEach(function (r) { r.classList.remove("target"); });
      var row = document.getElementById("L" + n);
      if (!row) return false;
      row.classList.add("target");
      if (scroll) { setFollow(false); row.scrollIntoView({ block: "center" }); }
      return true;
    }

    function addLine(text) {
      var n = cur.lines.length + 1;
      var segs = ansi(text, cur.state);
      var row = el("div", "line"); row.id = "L" + n;
      // A task's steps each start a section of its log.
      var head = /^(?:\S+ )?=== step \d+\/\d+ (\S+) ===$/.exec(text);
      if (head) {
        row.classList.add("step-head");
        if (wantStep && head[1] === wantStep) { wantLine = n; wantStep = ""; }
      }
      var a = el("a", "ln", String(n)); a.href = lineURL(n); a.setAttribute("aria-label", "Line " + n);
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        history.replaceState(null, "", a.getAttribute("href"));
        markLine(n, false);
      });
      var cell = el("span", "lt");
      renderText(cell, segs, needle);
      row.appendChild(a); row.appendChild(cell);
      cur.lines.push({ row: row, segs: segs, text: segs.map(function (s) { return s.text; }).join("").toLowerCase() });
      if (needle && cur.lines[n - 1].text.indexOf(needle) >= 0) { row.classList.add("hit"); hits.push(n); }
      return row;
    }

    // Lines arrive one event each; they are added in batches per frame.
    var queue = [], scheduled = false;
    function flush() {
      scheduled = false;
      if (!cur) { queue = []; return; }
      var frag = document.createDocumentFragment();
      queue.forEach(function (t) { frag.appendChild(addLine(t)); });
      queue = [];
      body.appendChild(frag);
      if (needle) showCount();
      if (wantLine && markLine(wantLine, true)) wantLine = 0;
      else if (following) body.scrollTop = body.scrollHeight;
    }

    var needle = "", hits = [], hitAt = -1;
    function showCount() {
      count.textContent = needle ? (hits.length ? (hitAt + 1 || 0) + " of " + hits.length : "no match") : "";
    }
    function runSearch() {
      needle = search.value.toLowerCase();
      hits = []; hitAt = -1;
      if (!cur) return;
      cur.lines.forEach(function (l, i) {
        var hit = needle !== "" && l.text.indexOf(needle) >= 0;
        l.row.classList.toggle("hit", hit);
        l.row.classList.remove("hit-current");
        if (hit) hits.push(i + 1);
        renderText(l.row.lastChild, l.segs, hit ? needle : "");
      });
      if (hits.length) jump(0);
      showCount();
    }
    function jump(i) {
      if (!hits.length) return;
      if (hitAt >= 0) { var old = document.getElementById("L" + hits[hitAt]); if (old) old.classList.remove("hit-current"); }
      hitAt = (i + hits.length) % hits.length;
      var row = document.getElementById("L" + hits[hitAt]);
      if (row) { row.classList.add("hit-current"); setFollow(false); row.scrollIntoView({ block: "center" }); }
      showCount();
    }
    var searchTimer = null;
    search.addEventListener("input", function () { clearTimeout(searchTimer); searchTimer = setTimeout(runSearch, 120); });
    search.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); clearTimeout(searchTimer); if (search.value.toLowerCase() !== needle) runSearch(); else jump(hitAt + (ev.shiftKey ? -1 : 1)); }
      if (ev.key === "Escape") { search.value = ""; runSearch(); }
    });

    function statusOf(link) {
      var ico = link.querySelector('[data-field="icon"]');
      var m = ico && /s-([a-z_-]+)/.exec(ico.className);
      return m ? m[1] : "";
    }

    function open(link, line) {
      if (cur && cur.es) cur.es.close();
      links.forEach(function (l) { l.removeAttribute("aria-current"); l.parentNode.classList.remove("selected"); });
      link.setAttribute("aria-current", "true");
      link.parentNode.classList.add("selected");
      var key = link.dataset.name;
      cur = { key: key, link: link, lines: [], state: newState(), ended: false };
      hits = []; hitAt = -1; queue = [];
      body.textContent = "";
      body.dataset.task = key;
      body.dataset.ended = "";
      tools.hidden = false;
      nameEl.textContent = key;
      var st = statusOf(link);
      icon.hidden = !st; icon.className = "ico s-" + st;
      download.href = link.dataset.raw;
      download.setAttribute("download", key.replace(/[^A-Za-z0-9._-]+/g, "-") + ".log");
      var err = link.dataset.error ? link.dataset.error : "";
      if (link.dataset.exit) err = "exit " + link.dataset.exit + (err ? ": " + err : "");
      errEl.textContent = err; errEl.hidden = !err;
      wantLine = line || 0;
      setFollow(!wantLine);
      var es = new EventSource(link.dataset.log);
      cur.es = es;
      var mine = cur;
      es.onopen = function () {
        // A reconnected stream sends the log from its start again.
        if (mine.opened && cur === mine && !mine.ended) { mine.lines = []; mine.state = newState(); hits = []; hitAt = -1; queue = []; body.textContent = ""; }
        mine.opened = true;
      };
      es.onmessage = function (ev) {
        if (cur !== mine) return;
        queue.push(ev.data);
        if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
      };
      es.addEventListener("end", function (ev) {
        es.close();
        if (cur !== mine) return;
        flush();
        mine.ended = true;
        body.dataset.ended = ev.data;
        if (!mine.lines.length) body.appendChild(el("p", "log-hint", "This " + what + " wrote no output."));
        var endRow = el("div", "log-end", What + " " + ev.data);
        body.appendChild(endRow);
        if (following) body.scrollTop = body.scrollHeight;
      });
      es.addEventListener("error", function () {
        if (es.readyState === EventSource.CLOSED && cur === mine && !mine.ended) {
          mine.ended = true; body.dataset.ended = "error";
          if (!mine.lines.length) body.appendChild(el("p", "log-hint", "No log yet: the " + what + " has not started."));
        }
      });
    }

    // A step of a task card opens the task's log at the step's section.
    document.querySelectorAll("a.step-link").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
        var job = a.closest("li.job");
        var taskLink = job && job.querySelector("a.job-link");
        if (!taskLink) return;
        ev.preventDefault();
        open(taskLink, 0);
        wantStep = a.dataset.stepName;
        setFollow(false);
      });
    });

    links.forEach(function (a) {
      a.addEventListener("click", function (ev) {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey) return; // a new tab gets the raw log
        ev.preventDefault();
        var u = new URL(window.location.href);
        u.searchParams.set("task", a.dataset.name);
        u.searchParams.delete("msg");
        u.hash = "";
        history.replaceState(null, "", u.pathname + u.search);
        open(a, 0);
      });
    });

    // The task in ?task=, else the first that failed, else the first running, else the first.
    var params = new URLSearchParams(window.location.search);
    var want = params.get("task");
    var pick = links.find(function (l) { return l.dataset.name === want; }) ||
      links.find(function (l) { return statusOf(l) === "failed"; }) ||
      links.find(function (l) { return /running|building/.test(statusOf(l)); }) || links[0];
    var m = /^#L(\d+)$/.exec(window.location.hash);
    if (pick) open(pick, m && pick.dataset.name === want ? parseInt(m[1], 10) : 0);
  });
})();
