// Live updates of Drover's pages through Server-Sent Events, relative times
// that stay current, and keyboard navigation of the runs list. Pages work
// without it; this only keeps them current and quicker to use.
(function () {
  "use strict";
  function text(el, v) { if (el && el.textContent !== String(v)) el.textContent = v; }
  function setStatus(el, s) { if (!el) return; text(el, s); el.className = "status s-" + s; }
  function el(tag, cls, txt) { var e = document.createElement(tag); if (cls) e.className = cls; if (txt !== undefined) e.textContent = txt; return e; }

  // ago follows render.go's agoAt: "just now", "12s ago", "5m ago", "3h ago", "2d ago", then the date.
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function ago(iso) {
    var t = new Date(iso), d = (Date.now() - t.getTime()) / 1000;
    if (isNaN(d)) return "";
    if (d < 5) return "just now";
    if (d < 60) return Math.floor(d) + "s ago";
    if (d < 3600) return Math.floor(d / 60) + "m ago";
    if (d < 86400) return Math.floor(d / 3600) + "h ago";
    if (d < 30 * 86400) return Math.floor(d / 86400) + "d ago";
    return MONTHS[t.getUTCMonth()] + " " + t.getUTCDate() + ", " + t.getUTCFullYear();
  }
  function tick() {
    document.querySelectorAll("time[data-rel]").forEach(function (t) { text(t, ago(t.getAttribute("datetime"))); });
  }

  // left follows render.go's left and human: "45s left", "3m 4s left",
  // "1h 2m left", "2d 5h left", then "overdue".
  function left(iso) {
    var ms = new Date(iso).getTime() - Date.now();
    if (isNaN(ms)) return "";
    if (ms <= 0) return "overdue";
    if (ms < 1000) return ms + "ms left";
    var s = Math.round(ms / 1000);
    if (s < 60) return s + "s left";
    if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s left";
    var m = Math.round(ms / 60000);
    if (m < 1440) return Math.floor(m / 60) + "h " + (m % 60) + "m left";
    var h = Math.round(ms / 3600000);
    return Math.floor(h / 24) + "d " + (h % 24) + "h left";
  }
  function countdowns() {
    document.querySelectorAll("time[data-left]").forEach(function (t) { text(t, left(t.getAttribute("datetime"))); });
  }

  function runRow(r) {
    var tr = el("tr"); tr.dataset.id = r.id;
    var ico = el("span", "ico s-" + r.status); ico.setAttribute("role", "img"); ico.setAttribute("aria-label", r.status); ico.title = r.status;
    tr.appendChild(el("td", "c-icon")).appendChild(ico);
    var main = tr.appendChild(el("td", "c-main"));
    var title = main.appendChild(el("div", "title"));
    var a = title.appendChild(el("a", "run-link")); a.href = r.url;
    a.appendChild(document.createTextNode(r.project + " "));
    if (r.kind === "build") a.appendChild(el("code", "", r.ref)); else a.appendChild(document.createTextNode("→ " + r.ref));
    if (r.subject) { title.appendChild(document.createTextNode(" ")); var sub = title.appendChild(el("span", "subject", r.subject)); sub.title = r.subject; }
    if (r.track && r.track.length) {
      var tr2 = title.appendChild(el("span", "envtrack")); tr2.title = "Where " + r.ref + " runs now";
      r.track.forEach(function (s) { tr2.appendChild(el("span", s.on ? "on" : "", s.environment)); });
    }
    var meta = main.appendChild(el("div", "meta"));
    meta.appendChild(el("span", "kind", r.kind)); meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(el("span", "state", r.status));
    if (r.author) { meta.appendChild(document.createTextNode(" · ")); meta.appendChild(el("span", "author", r.author)); }
    if (r.by) meta.appendChild(document.createTextNode(" · by " + r.by));
    var br = tr.appendChild(el("td", "c-branch"));
    if (r.branch) { var b = br.appendChild(el("span", "branch", r.branch)); b.title = r.branch; }
    var t = el("time", "", r.ago); t.setAttribute("datetime", r.started_at); t.title = r.started; t.dataset.rel = "";
    tr.appendChild(el("td", "c-when")).appendChild(t);
    tr.appendChild(el("td", "c-dur", r.duration));
    return tr;
  }

  function runs(table, data) {
    var body = document.getElementById("runs-body");
    var focused = body.querySelector("tr.kb-focus");
    var focusedId = focused ? focused.dataset.id : null;
    var rows = document.createDocumentFragment();
    if (!data.length) {
      var none = el("tr", "none"); var td = none.appendChild(el("td", "", "No runs yet.")); td.colSpan = 5; rows.appendChild(none);
    }
    data.forEach(function (r) { rows.appendChild(runRow(r)); });
    body.textContent = "";
    body.appendChild(rows);
    if (focusedId !== null) {
      var again = body.querySelector('tr[data-id="' + CSS.escape(focusedId) + '"]');
      if (again) again.classList.add("kb-focus");
    }
  }

  // Keyboard navigation of the runs list: j/k or the arrow keys move, Enter opens.
  function runsKeys() {
    var body = document.getElementById("runs-body");
    if (!body) return;
    body.addEventListener("click", function (ev) {
      var tr = ev.target.closest("tr[data-id]");
      if (!tr || ev.target.closest("a")) return;
      var a = tr.querySelector("a.run-link"); if (a) a.click();
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
      var tag = (ev.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "select" || tag === "textarea" || ev.target.isContentEditable) return;
      var rows = Array.prototype.slice.call(body.querySelectorAll("tr[data-id]"));
      if (!rows.length) return;
      var i = rows.findIndex(function (r) { return r.classList.contains("kb-focus"); });
      var step = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1 }[ev.key];
      if (step) {
        ev.preventDefault();
        var next = i < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, i + step));
        if (i >= 0) rows[i].classList.remove("kb-focus");
        rows[next].classList.add("kb-focus");
        rows[next].scrollIntoView({ block: "nearest" });
        var link = rows[next].querySelector("a.run-link"); if (link) link.focus({ preventScroll: true });
      } else if (ev.key === "Enter" && i >= 0 && tag !== "a" && tag !== "button") {
        ev.preventDefault();
        var a = rows[i].querySelector("a.run-link"); if (a) a.click();
      }
    });
  }

  function setIcon(el, s) { if (!el) return; el.className = "ico s-" + s; el.setAttribute("aria-label", s); el.title = s; }
  function build(data) {
    setStatus(document.getElementById("build-status"), data.status);
    text(document.getElementById("build-duration"), data.duration);
    var notice = document.getElementById("build-notice");
    if (notice) { text(notice, data.notice || ""); notice.hidden = !data.notice; }
    if (!data.running) {
      var cancel = document.getElementById("cancel-build");
      if (cancel) cancel.remove();
    }
    var axis = document.querySelector(".gantt-axis .gantt-track");
    if (axis && data.ticks) {
      axis.textContent = "";
      data.ticks.forEach(function (t) { var s = axis.appendChild(el("span", "tick", t.label)); s.style.left = t.at + "%"; });
    }
    (data.stages || []).forEach(function (s) {
      setStatus(document.querySelector('[data-stage-status="' + CSS.escape(s.name) + '"]'), s.status);
      setIcon(document.querySelector('[data-stage-icon="' + CSS.escape(s.name) + '"]'), s.status);
      (s.tasks || []).forEach(function (t) {
        var card = document.querySelector('[data-task="' + CSS.escape(t.key) + '"]');
        if (card) {
          card.className = card.className.replace(/\bs-[a-z_-]+/, "s-" + t.status);
          var st = card.querySelector('[data-field="status"]');
          if (st && st.classList.contains("status")) setStatus(st, t.status); else text(st, t.status);
          setIcon(card.querySelector('[data-field="icon"]'), t.status);
          var att = card.querySelector('[data-field="attempt"]');
          if (att) { text(att, "attempt " + t.attempt); att.hidden = !(t.attempt > 1); }
          var dur = card.querySelector('[data-field="duration"]');
          if (dur) { text(dur, t.duration); dur.hidden = !t.duration; }
          var msg = card.querySelector('[data-field="error"]');
          if (msg) { text(msg, t.error || ""); msg.title = t.error || ""; msg.hidden = !t.error; }
          (t.steps || []).forEach(function (st) {
            var li = card.querySelector('[data-step="' + CSS.escape(st.name) + '"]');
            if (!li) return;
            li.className = "step s-" + st.status;
            setIcon(li.querySelector('[data-field="icon"]'), st.status);
            var sd = li.querySelector('[data-field="duration"]');
            if (sd) { text(sd, st.duration); sd.hidden = !st.duration; }
          });
          var link = card.querySelector("a.job-link");
          if (link) {
            // A message that went away ("worker lost, retrying" once the next attempt runs) is cleared.
            if (t.error) link.dataset.error = t.error; else delete link.dataset.error;
            if (t.exit_code !== undefined && t.exit_code !== null) link.dataset.exit = t.exit_code; else delete link.dataset.exit;
            if (link.getAttribute("aria-current")) {
              setIcon(document.getElementById("log-icon"), t.status);
              var errEl = document.getElementById("log-error");
              if (errEl) {
                var err = t.error || "";
                if (link.dataset.exit) err = "exit " + link.dataset.exit + (err ? ": " + err : "");
                text(errEl, err); errEl.hidden = !err;
              }
            }
          }
        }
        var row = document.querySelector('[data-bar="' + CSS.escape(t.key) + '"] .bar');
        if (row && t.bar) {
          row.hidden = !(t.bar.width > 0);
          row.style.left = t.bar.left + "%"; row.style.width = t.bar.width + "%";
          row.className = "bar s-" + t.status + (t.bar.running ? " live" : "");
          row.title = t.name + ": " + t.status + (t.duration ? ", " + t.duration : "") + (t.attempt > 1 ? ", attempt " + t.attempt : "");
          var rt = row.querySelector(".bar-retry");
          if (t.attempt > 1) { if (!rt) rt = row.appendChild(el("span", "bar-retry")); text(rt, "↻" + t.attempt); }
        }
      });
    });
  }

  var lastPromotion = null;
  function promotion(data) {
    var statusEl = document.getElementById("promotion-status");
    // The first message may already be newer than the page (the promotion
    // moved while the page was rendered): compare it with what the page shows.
    var stale = lastPromotion === null && (statusEl && statusEl.textContent !== data.status ||
      Object.keys(data.envs || {}).some(function (env) {
        var el = document.querySelector('[data-env-state="' + CSS.escape(env) + '"]');
        return el && el.textContent !== data.envs[env];
      }));
    setStatus(statusEl, data.status);
    Object.keys(data.envs || {}).forEach(function (env) {
      setStatus(document.querySelector('[data-env-state="' + CSS.escape(env) + '"]'), data.envs[env]);
    });
    var sig = JSON.stringify(data);
    // Gates and steps changed: reload, unless the user is writing a comment
    // or a reason.
    var typing = Array.prototype.some.call(document.querySelectorAll("textarea, input[name=reason]"), function (t) { return t.value !== ""; });
    if ((stale || lastPromotion !== null && sig !== lastPromotion) && !typing) { window.location.reload(); return; }
    lastPromotion = sig;
  }

  function follow(node) {
    var url = node.dataset.live;
    var kind = node.dataset.kind || "runs";
    var es = new EventSource(url);
    es.onmessage = function (ev) {
      var data = JSON.parse(ev.data);
      if (kind === "build") build(data);
      else if (kind === "promotion") promotion(data);
      else runs(node, data);
    };
    es.addEventListener("end", function () { es.close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(follow);
    runsKeys();
    tick();
    setInterval(tick, 15000);
    countdowns();
    setInterval(countdowns, 1000);
  });
})();
