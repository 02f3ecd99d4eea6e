// pgo-fleet web page. Every text taken from a profile is set with textContent (or d3's .text()),
// never as HTML. The merge key lives in this tab's sessionStorage and travels only in the
// Authorization header.
(function () {
  "use strict";
  const KEY_STORE = "pgof-merge-key";
  const ROW = 18;
  const $ = (id) => document.getElementById(id);
  const state = { summary: null, tree: null, sortKey: "flat", sortAsc: false, zoomed: null };

  function params() {
    const p = new URLSearchParams();
    p.set("service", $("service").value);
    if ($("since").value) p.set("since", $("since").value);
    return p;
  }

  function status(text, error) {
    $("status").textContent = text;
    $("status").classList.toggle("error", !!error);
  }

  async function call(path, options) {
    const key = $("key").value.trim();
    const init = Object.assign({ headers: { Authorization: "Bearer " + key }, cache: "no-store" }, options || {});
    const r = await fetch(path, init);
    if (!r.ok) {
      const reason = (await r.text()).trim();
      const e = new Error(r.status === 401 ? "the merge key was refused" : r.status + ": " + reason);
      e.status = r.status;
      throw e;
    }
    return r;
  }

  function nanos(ns) {
    const a = Math.abs(ns);
    if (a >= 3600e9) return (ns / 3600e9).toFixed(2) + "h";
    if (a >= 60e9) return (ns / 60e9).toFixed(2) + "m";
    if (a >= 1e9) return (ns / 1e9).toFixed(2) + "s";
    if (a >= 1e6) return (ns / 1e6).toFixed(2) + "ms";
    if (a >= 1e3) return (ns / 1e3).toFixed(2) + "\u00b5s";
    return ns + "ns";
  }
  const pct = (x) => (x >= 1 ? x.toFixed(2) : x.toPrecision(2)) + "%";
  const bytes = (b) => b >= 1 << 20 ? (b / (1 << 20)).toFixed(1) + " MiB" : b >= 1024 ? (b / 1024).toFixed(1) + " KiB" : b + " B";
  const when = (t) => t ? new Date(t).toLocaleString() : "\u2013";

  function cell(tr, text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  async function loadServices() {
    try {
      const r = await call("/v1/services");
      const list = await r.json();
      const names = (Array.isArray(list) ? list : list.services || []).map((s) => typeof s === "string" ? s : s.name);
      if (!names.length) return;
      const sel = $("service");
      const current = sel.value;
      sel.textContent = "";
      for (const n of names) {
        const o = document.createElement("option");
        o.value = n;
        o.textContent = n;
        sel.appendChild(o);
      }
      if (names.includes(current)) sel.value = current;
    } catch (e) {
      // No /v1/services on this collector: the default service only.
    }
  }

  async function load(ev) {
    if (ev) ev.preventDefault();
    const key = $("key").value.trim();
    if (!key) {
      status("Enter a merge key first.", true);
      return;
    }
    sessionStorage.setItem(KEY_STORE, key);
    status("Loading\u2026");
    try {
      await loadServices();
      const p = params();
      const [summary, tree] = await Promise.all([
        call("/v1/summary?" + p + "&top=200").then((r) => r.json()),
        call("/v1/flamegraph?" + p).then((r) => r.json()),
      ]);
      state.summary = summary;
      state.tree = tree;
      // Shown before drawing, so that the flame graph takes the width of its section.
      for (const id of ["inventory-section", "flame-section", "top-section"]) $(id).hidden = false;
      renderInventory(summary);
      renderTop();
      renderFlame(tree);
      $("download-full").disabled = false;
      $("download-lean").disabled = false;
      status("Loaded " + summary.profiles + " profiles, " + nanos(summary.cpu_nanoseconds) + " of CPU.");
    } catch (e) {
      status(e.status === 404 ? "Nothing stored yet for this selection." : e.message, true);
    }
  }

  function renderInventory(s) {
    const dl = $("inventory");
    dl.textContent = "";
    const items = [
      ["profiles", s.profiles.toLocaleString()], ["stored files", s.files.toLocaleString()],
      ["stored bytes", bytes(s.bytes)], ["default.pgo", bytes(s.merge_bytes)],
      ["first received", when(s.first_received)], ["last received", when(s.last_received)],
      ["profiled time", nanos(s.duration_seconds * 1e9)], ["samples", s.samples.toLocaleString()],
      ["CPU", nanos(s.cpu_nanoseconds)], ["functions", s.functions.toLocaleString()],
    ];
    for (const [k, v] of items) {
      const div = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      div.append(dt, dd);
      dl.appendChild(div);
    }
    const body = $("builds").tBodies[0];
    body.textContent = "";
    for (const b of s.builds) {
      const tr = document.createElement("tr");
      cell(tr, b.file || "(unknown)", "name");
      cell(tr, b.build_id || "\u2013", "name");
      cell(tr, b.profiles.toLocaleString(), "num");
      cell(tr, nanos(b.cpu_nanoseconds), "num");
      cell(tr, pct(b.cpu_percent), "num");
      cell(tr, when(b.last_received));
      body.appendChild(tr);
    }
    $("builds-note").textContent = s.builds_unattributed_profiles > 0
      ? s.builds_unattributed_profiles.toLocaleString() + " profiles are in rollups that mix builds: they count in the totals "
        + "and in the CPU shares, not in a build's profile count. Last received is at the rollup's hour or day."
      : "";
  }

  function renderTop() {
    const rows = state.summary.top.map((t, i) => Object.assign({ rank: i + 1 }, t));
    const k = state.sortKey, dir = state.sortAsc ? 1 : -1;
    rows.sort((a, b) => {
      const x = a[k], y = b[k];
      const c = typeof x === "string" ? x.localeCompare(y) : x - y;
      return c !== 0 ? c * dir : a.rank - b.rank;
    });
    const body = $("top-table").tBodies[0];
    body.textContent = "";
    for (const t of rows) {
      const tr = document.createElement("tr");
      cell(tr, String(t.rank), "num");
      cell(tr, t.name, "name");
      cell(tr, nanos(t.flat), "num");
      cell(tr, pct(t.flat_percent), "num");
      cell(tr, nanos(t.cum), "num");
      cell(tr, pct(t.cum_percent), "num");
      tr.addEventListener("click", () => { $("search").value = t.name; search(); });
      body.appendChild(tr);
    }
    for (const th of $("top-table").tHead.rows[0].cells) {
      th.classList.toggle("sorted", th.dataset.key === k);
      th.classList.toggle("asc", th.dataset.key === k && state.sortAsc);
    }
  }

  function sortBy(ev) {
    const key = ev.target.closest("th") && ev.target.closest("th").dataset.key;
    if (!key) return;
    if (state.sortKey === key) state.sortAsc = !state.sortAsc;
    else { state.sortKey = key; state.sortAsc = key === "name" || key === "rank"; }
    if (state.summary) renderTop();
  }

  // Colours by package, warm as in classic flame graphs; a stable hash keeps a function's colour.
  function colour(name) {
    let h = 0;
    const pkg = name.replace(/\.[^./]*$/, "");
    for (let i = 0; i < pkg.length; i++) h = (h * 31 + pkg.charCodeAt(i)) >>> 0;
    if (name === "root") return "#c9ced8";
    if (name.startsWith("runtime.")) return "hsl(" + (190 + h % 30) + ",45%," + (68 + h % 10) + "%)";
    return "hsl(" + (10 + h % 45) + ",78%," + (60 + h % 12) + "%)";
  }

  function renderFlame(data) {
    const container = $("flame");
    container.textContent = "";
    const root = d3.hierarchy(data).sum((d) => d.self || 0)
      .sort((a, b) => d3.ascending(a.data.name, b.data.name));
    const width = Math.max(400, container.clientWidth || 1000);
    const height = (root.height + 1) * ROW;
    d3.partition().size([width, height]).padding(0)(root);
    state.root = root;
    state.width = width;
    const svg = d3.select(container).append("svg").attr("width", width).attr("height", height)
      .attr("viewBox", [0, 0, width, height]);
    const g = svg.selectAll("g").data(root.descendants()).join("g").attr("class", "frame");
    g.append("rect").attr("height", ROW - 1).attr("fill", (d) => colour(d.data.name));
    g.append("text").attr("x", 4).attr("y", ROW - 5);
    g.on("click", (ev, d) => zoom(d))
      .on("mousemove", (ev, d) => tooltip(ev, d))
      .on("mouseleave", () => { $("tooltip").hidden = true; });
    state.frames = g;
    zoom(root);
    search();
  }

  function zoom(node) {
    state.zoomed = node;
    const x0 = node.x0, span = node.x1 - node.x0 || 1, scale = state.width / span;
    state.frames
      .attr("transform", (d) => "translate(" + (d.x0 - x0) * scale + "," + d.depth * ROW + ")")
      .attr("display", (d) => d.x1 <= x0 || d.x0 >= node.x1 || (d.depth < node.depth && !isAncestor(d, node)) ? "none" : null)
      .classed("dim", (d) => d.depth < node.depth);
    state.frames.select("rect").attr("width", (d) => {
      const w = (Math.min(d.x1, node.x1) - Math.max(d.x0, x0)) * scale;
      return Math.max(0, d.depth < node.depth ? state.width : w);
    });
    state.frames.attr("transform", (d) => "translate(" + (d.depth < node.depth ? 0 : (d.x0 - x0) * scale) + "," + d.depth * ROW + ")");
    state.frames.select("text").text((d) => {
      const w = d.depth < node.depth ? state.width : (Math.min(d.x1, node.x1) - Math.max(d.x0, x0)) * scale;
      const chars = Math.floor((w - 8) / 6.6);
      const n = d.data.name;
      return chars < 3 ? "" : n.length <= chars ? n : n.slice(0, chars - 1) + "\u2026";
    });
  }

  function isAncestor(a, b) {
    for (let p = b.parent; p; p = p.parent) if (p === a) return true;
    return false;
  }

  function tooltip(ev, d) {
    const total = state.root.value || 1;
    const t = $("tooltip");
    t.textContent = "";
    const fn = document.createElement("div");
    fn.className = "fn";
    fn.textContent = d.data.name;
    const fig = document.createElement("div");
    fig.textContent = "flat " + nanos(d.data.self || 0) + " (" + pct(100 * (d.data.self || 0) / total) + ")  \u00b7  cum "
      + nanos(d.value) + " (" + pct(100 * d.value / total) + ")";
    t.append(fn, fig);
    t.hidden = false;
    const x = Math.min(ev.clientX + 14, window.innerWidth - t.offsetWidth - 8);
    t.style.left = x + "px";
    t.style.top = (ev.clientY + 16) + "px";
  }

  function matcher(q) {
    try {
      const re = new RegExp(q);
      return (s) => re.test(s);
    } catch (e) {
      return (s) => s.includes(q);
    }
  }

  // Highlights matching frames; their share counts each sample once (a match under a match is not added again).
  function search() {
    if (!state.frames) return;
    const q = $("search").value;
    if (!q) {
      state.frames.classed("match", false);
      $("search-result").textContent = "";
      return;
    }
    const m = matcher(q);
    let sum = 0;
    state.frames.classed("match", (d) => m(d.data.name));
    state.root.each((d) => {
      if (m(d.data.name) && !d.ancestors().slice(1).some((a) => m(a.data.name))) sum += d.value;
    });
    const total = state.root.value || 1;
    let text = "matches: " + pct(100 * sum / total) + " of CPU (" + nanos(sum) + ")";
    // The graph folds frames below min_share; for one function of the top table its exact cum is known.
    const exact = state.summary ? state.summary.top.filter((t) => m(t.name)) : [];
    if (exact.length === 1) text += "; " + exact[0].name + ": cum " + pct(exact[0].cum_percent) + " exactly";
    $("search-result").textContent = text;
  }

  async function download(lean) {
    const p = params();
    if (lean) p.set("form", "lean");
    status("Downloading\u2026");
    try {
      const r = await call("/v1/merge?" + p, { method: "POST" });
      const blob = await r.blob();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = lean ? "default-lean.pgo" : "default.pgo";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 60000);
      status("Downloaded " + a.download + " (" + bytes(blob.size) + ").");
    } catch (e) {
      status(e.message, true);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("key").value = sessionStorage.getItem(KEY_STORE) || "";
    $("controls").addEventListener("submit", load);
    $("since").addEventListener("change", () => { if (state.summary) load(); });
    $("service").addEventListener("change", () => { if (state.summary) load(); });
    $("search").addEventListener("input", search);
    $("reset-zoom").addEventListener("click", () => state.root && zoom(state.root));
    $("top-table").tHead.addEventListener("click", sortBy);
    $("download-full").addEventListener("click", () => download(false));
    $("download-lean").addEventListener("click", () => download(true));
    let resize;
    window.addEventListener("resize", () => {
      clearTimeout(resize);
      resize = setTimeout(() => state.tree && renderFlame(state.tree), 200);
    });
    if ($("key").value) load();
  });
})();
