// Live updates of Drover's pages through Server-Sent Events. Pages work
// without it; this only keeps them current.
(function () {
  "use strict";
  function text(el, v) { if (el && el.textContent !== String(v)) el.textContent = v; }
  function setStatus(el, s) { if (!el) return; text(el, s); el.className = "status s-" + s; }

  function runs(table, data) {
    var body = document.getElementById("runs-body");
    body.textContent = "";
    if (!data.length) { var tr0 = body.insertRow(); var td0 = tr0.insertCell(); td0.colSpan = 6; td0.textContent = "No runs yet."; return; }
    data.forEach(function (r) {
      var tr = body.insertRow(); tr.dataset.id = r.id;
      var a = document.createElement("a"); a.href = r.url; a.textContent = r.kind + " " + r.id;
      tr.insertCell().appendChild(a);
      tr.insertCell().textContent = r.project;
      tr.insertCell().textContent = r.branch;
      var code = document.createElement("code"); code.textContent = r.ref; tr.insertCell().appendChild(code);
      var st = document.createElement("span"); setStatus(st, r.status); tr.insertCell().appendChild(st);
      tr.insertCell().textContent = r.started;
    });
  }

  function build(data) {
    setStatus(document.getElementById("build-status"), data.status);
    text(document.getElementById("build-duration"), data.duration);
    (data.stages || []).forEach(function (s) {
      setStatus(document.querySelector('[data-stage-status="' + CSS.escape(s.name) + '"]'), s.status);
      (s.tasks || []).forEach(function (t) {
        var card = document.querySelector('[data-task="' + CSS.escape(t.key) + '"]');
        if (!card) return;
        setStatus(card.querySelector('[data-field="status"]'), t.status);
        text(card.querySelector('[data-field="attempt"]'), t.attempt);
        text(card.querySelector('[data-field="duration"]'), t.duration);
      });
    });
  }

  var lastPromotion = null;
  function promotion(data) {
    setStatus(document.getElementById("promotion-status"), data.status);
    Object.keys(data.envs || {}).forEach(function (env) {
      setStatus(document.querySelector('[data-env-state="' + CSS.escape(env) + '"]'), data.envs[env]);
    });
    var sig = JSON.stringify(data);
    // Gates and steps changed: reload, unless the user is writing a comment.
    var typing = Array.prototype.some.call(document.querySelectorAll("textarea"), function (t) { return t.value !== ""; });
    if (lastPromotion !== null && sig !== lastPromotion && !typing) { window.location.reload(); return; }
    lastPromotion = sig;
  }

  function follow(el) {
    var url = el.dataset.live;
    var kind = el.dataset.kind || "runs";
    var es = new EventSource(url);
    es.onmessage = function (ev) {
      var data = JSON.parse(ev.data);
      if (kind === "build") build(data);
      else if (kind === "promotion") promotion(data);
      else runs(el, data);
    };
    es.addEventListener("end", function () { es.close(); });
  }

  function showLog(link) {
    var pre = document.getElementById(link.getAttribute("aria-controls"));
    if (!pre) return;
    if (!pre.hidden && pre.dataset.open) { pre.hidden = true; link.textContent = "Show log"; if (pre._es) pre._es.close(); pre.dataset.open = ""; return; }
    pre.hidden = false; pre.dataset.open = "1"; pre.textContent = ""; link.textContent = "Hide log";
    var es = new EventSource(link.dataset.log);
    pre._es = es;
    es.onmessage = function (ev) {
      var stick = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.appendChild(document.createTextNode(ev.data + "\n"));
      if (stick) pre.scrollTop = pre.scrollHeight;
    };
    es.addEventListener("end", function (ev) { pre.appendChild(document.createTextNode("— task " + ev.data + " —\n")); pre.dataset.ended = ev.data; es.close(); });
    es.addEventListener("error", function () { if (es.readyState === EventSource.CLOSED) pre.dataset.ended = "error"; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(follow);
    document.querySelectorAll("a[data-log]").forEach(function (a) {
      a.setAttribute("role", "button");
      a.addEventListener("click", function (ev) { ev.preventDefault(); showLog(a); });
    });
  });
})();
