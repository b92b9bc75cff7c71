/*
 * attnsim sweep explorer: the script of explorer.html (plain browser JavaScript, inlined by
 * output/explorer.ts together with d3). Reads window.ATTNSIM_EXPLORER:
 *   { name, totalOk, dimensions: [{ name, kind, title, unit, factor, scale, domain?, sense? }],
 *     constants, workloads, rows: [{ key, w, v: [value per dimension], front, cmd }], style }.
 * State: a value range (or a set of values) per brushed axis; the selection is the rows inside
 * every range. Exposes window.attnsimExplorer for tests.
 */
(function () {
  "use strict";
  const data = window.ATTNSIM_EXPLORER;
  const dims = data.dimensions;
  const rows = data.rows;
  const palette = data.style.palette;
  const ink = data.style.ink;
  const font = `"${data.style.font}", system-ui, sans-serif`;
  const numeric = (d) => d.scale !== "point";
  const shown = (d, v) => (numeric(d) ? v / d.factor : v);

  /** A value as text: 3 significant digits and the dimension's (prefixed) unit. */
  function format(d, v) {
    if (!numeric(d)) return String(v);
    if (typeof v !== "number" || !Number.isFinite(v)) return "-";
    const x = v / d.factor;
    const text = x === 0 ? "0" : Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3 ? x.toExponential(2) : String(Number(x.toPrecision(3)));
    return d.unit ? `${text} ${d.unit}` : text;
  }
  const header = (d) => (d.unit ? `${d.title} (${d.unit})` : d.title);
  const colorOf = (r) => palette[r.w % palette.length];

  // ---- selection state -----------------------------------------------------------------------
  /** Brushed axes: dimension index -> { lo, hi } (display units) or { values: Set }. */
  const filters = new Map();
  let selected = rows.slice();
  let picked = null;
  const sort = { dim: dims.findIndex((d) => d.sense !== undefined), ascending: true };

  function inside(r) {
    for (const [i, f] of filters) {
      const v = shown(dims[i], r.v[i]);
      if (f.values ? !f.values.has(v) : !(v >= f.lo && v <= f.hi)) return false;
    }
    return true;
  }

  function update() {
    selected = rows.filter(inside);
    d3.select("#count").text(`${selected.length} of ${rows.length} points selected`);
    drawLines();
    drawScatter();
    drawTable();
  }

  d3.select("#summary").text(`${rows.length} feasible points${data.totalOk > rows.length ? ` (the first ${rows.length} of ${data.totalOk}; results.csv has all)` : ""}` +
    `, ${rows.filter((r) => r.front).length} on the Pareto front` + (data.workloads.length > 1 ? `, ${data.workloads.length} workloads: ${data.workloads.join("; ")}` : data.workloads.length === 1 ? `, workload ${data.workloads[0]}` : "") +
    (data.constants.length ? `. The same in every point: ${data.constants.map((c) => `${c.title} = ${c.value}`).join(", ")}.` : "."));

  // ---- parallel coordinates --------------------------------------------------------------------
  const pc = { margin: { top: 90, right: 60, bottom: 20, left: 40 } };
  /** Axes of the parallel coordinates: every dimension but parameters computed from another (they move with it). */
  const axes = dims.map((d, i) => i).filter((i) => !dims[i].derived);
  const AXIS_SPACING = 78;

  function yScale(d, range) {
    if (d.scale === "point") return d3.scalePoint(d.domain, range).padding(0.5);
    const values = rows.map((r) => shown(d, r.v[dims.indexOf(d)])).filter((v) => Number.isFinite(v) && (d.scale !== "log" || v > 0));
    const extent = d3.extent(values);
    return (d.scale === "log" ? d3.scaleLog() : d3.scaleLinear()).domain(extent[0] === extent[1] ? [extent[0] - 1, extent[1] + 1] : extent).range(range).nice();
  }

  function layoutPc() {
    const box = document.getElementById("pc");
    // The first axis' labels (a workload's name, say) need room on its left.
    const first = dims[axes[0]];
    const m = { ...pc.margin, left: first && first.scale === "point" ? Math.min(160, 12 + 6.5 * d3.max(first.domain, (v) => String(v).length)) : pc.margin.left };
    const width = Math.max(box.clientWidth, m.left + m.right + (axes.length - 1) * AXIS_SPACING), height = box.clientHeight - 16;
    pc.width = width;
    pc.height = height;
    pc.x = d3.scalePoint(axes, [m.left, width - m.right]);
    pc.y = dims.map((d) => yScale(d, [height - m.bottom, m.top]));
    d3.select(box).selectAll("*").remove();
    const ratio = window.devicePixelRatio || 1;
    const canvas = d3.select(box).append("canvas").attr("width", width * ratio).attr("height", height * ratio).style("width", `${width}px`).style("height", `${height}px`).node();
    pc.ctx = canvas.getContext("2d");
    pc.ctx.scale(ratio, ratio);
    const svg = d3.select(box).append("svg").attr("width", width).attr("height", height).style("font-family", font);
    svg.selectAll("g.axis").data(axes).join("g").attr("class", "axis").attr("data-dim", (i) => dims[i].name)
      .attr("transform", (i) => `translate(${pc.x(i)},0)`).each(function (i) {
      const d = dims[i];
      const g = d3.select(this);
      const axis = d3.axisLeft(pc.y[i]);
      if (numeric(d)) axis.ticks(d.scale === "log" ? 4 : 6, d.scale === "log" ? "~g" : undefined);
      g.call(axis);
      g.append("text").attr("class", "axis-title").attr("transform", `translate(-4,${m.top - 10}) rotate(-35)`).attr("text-anchor", "start").attr("fill", d.sense ? ink : "#333")
        .text(header(d) + (d.sense ? (d.sense === "minimize" ? " \u2193" : " \u2191") : ""));
      const brush = d3.brushY().extent([[-12, m.top - 4], [12, height - m.bottom + 4]]).on("brush end", (event) => {
        if (!event.sourceEvent && event.type !== "end") return;
        setFilter(i, event.selection);
        update();
      });
      g.append("g").attr("class", "brush").call(brush);
      const f = filters.get(i);
      if (f) {
        const y = pc.y[i];
        const ends = f.values ? d3.extent([...f.values].map((v) => y(v))) : [y(f.hi), y(f.lo)];
        g.select(".brush").call(brush.move, [ends[0] - (f.values ? 4 : 0), ends[1] + (f.values ? 4 : 0)]);
      }
    });
  }

  /** A brush's pixel range -> a value range (or the point-scale values inside it). */
  function setFilter(i, selection) {
    if (!selection) {
      filters.delete(i);
      return;
    }
    const d = dims[i], y = pc.y[i];
    if (d.scale === "point") {
      const values = new Set(d.domain.filter((v) => y(v) >= selection[0] && y(v) <= selection[1]));
      filters.set(i, { values });
    } else {
      filters.set(i, { lo: y.invert(selection[1]), hi: y.invert(selection[0]) });
    }
  }

  function linePath(ctx, r) {
    ctx.beginPath();
    let started = false;
    axes.forEach((i) => {
      const d = dims[i];
      const y = pc.y[i](shown(d, r.v[i]));
      if (!Number.isFinite(y)) return;
      if (started) ctx.lineTo(pc.x(i), y);
      else ctx.moveTo(pc.x(i), y);
      started = true;
    });
  }

  function drawLines() {
    const ctx = pc.ctx;
    ctx.clearRect(0, 0, pc.width, pc.height);
    const chosen = new Set(selected);
    const alpha = Math.max(0.08, Math.min(0.6, 40 / Math.sqrt(rows.length + 1)));
    ctx.lineWidth = 1;
    ctx.strokeStyle = "rgba(170,170,170,0.25)";
    for (const r of rows) if (!chosen.has(r)) { linePath(ctx, r); ctx.stroke(); }
    ctx.globalAlpha = alpha;
    for (const r of selected) if (!r.front) { ctx.strokeStyle = colorOf(r); linePath(ctx, r); ctx.stroke(); }
    ctx.globalAlpha = 0.9;
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = ink;
    for (const r of selected) if (r.front) { linePath(ctx, r); ctx.stroke(); }
    if (picked) { ctx.globalAlpha = 1; ctx.lineWidth = 3; ctx.strokeStyle = "#D55E00"; linePath(ctx, picked); ctx.stroke(); }
    ctx.globalAlpha = 1;
  }

  // ---- scatter ---------------------------------------------------------------------------------
  const sc = { margin: { top: 15, right: 25, bottom: 50, left: 75 } };
  const numericDims = dims.map((d, i) => ({ d, i })).filter(({ d }) => numeric(d));
  const objectiveDims = numericDims.filter(({ d }) => d.sense !== undefined);
  const initial = objectiveDims.length >= 2 ? [objectiveDims[0].i, objectiveDims[1].i] : [numericDims[0]?.i ?? 0, numericDims[1]?.i ?? numericDims[0]?.i ?? 0];
  for (const [id, value] of [["#x-dim", initial[0]], ["#y-dim", initial[1]]]) {
    d3.select(id).selectAll("option").data(numericDims).join("option").attr("value", ({ i }) => i).text(({ d }) => header(d));
    d3.select(id).property("value", value).on("change", () => drawScatter());
  }

  /** The non-dominated rows of `list` on dimensions xi, yi (each minimised unless its objective is maximised). */
  function front2d(list, xi, yi) {
    const sx = dims[xi].sense === "maximize" ? -1 : 1, sy = dims[yi].sense === "maximize" ? -1 : 1;
    const byWorkload = d3.group(list.filter((r) => Number.isFinite(r.v[xi]) && Number.isFinite(r.v[yi])), (r) => r.w);
    const out = [];
    for (const group of byWorkload.values()) {
      const sorted = group.slice().sort((a, b) => sx * (a.v[xi] - b.v[xi]) || sy * (a.v[yi] - b.v[yi]));
      let best = Infinity;
      for (const r of sorted) if (sy * r.v[yi] < best) { best = sy * r.v[yi]; out.push(r); }
    }
    return out;
  }

  function drawScatter() {
    const box = document.getElementById("scatter");
    const width = box.clientWidth, height = box.clientHeight, m = sc.margin;
    const xi = Number(d3.select("#x-dim").property("value")), yi = Number(d3.select("#y-dim").property("value"));
    const dx = dims[xi], dy = dims[yi];
    const x = yScale(dx, [m.left, width - m.right]), y = yScale(dy, [height - m.bottom, m.top]);
    d3.select(box).selectAll("*").remove();
    const ratio = window.devicePixelRatio || 1;
    const canvas = d3.select(box).append("canvas").attr("width", width * ratio).attr("height", height * ratio).style("width", `${width}px`).style("height", `${height}px`).node();
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    const svg = d3.select(box).append("svg").attr("width", width).attr("height", height).style("font-family", font);
    svg.append("g").attr("class", "axis").attr("transform", `translate(0,${height - m.bottom})`).call(d3.axisBottom(x).ticks(8, dx.scale === "log" ? "~g" : undefined));
    svg.append("g").attr("class", "axis").attr("transform", `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(8, dy.scale === "log" ? "~g" : undefined));
    svg.append("text").attr("class", "axis-title").attr("x", (m.left + width - m.right) / 2).attr("y", height - 10).attr("text-anchor", "middle").text(header(dx));
    svg.append("text").attr("class", "axis-title").attr("transform", `translate(16,${(m.top + height - m.bottom) / 2}) rotate(-90)`).attr("text-anchor", "middle").text(header(dy));
    const px = (r) => x(shown(dx, r.v[xi])), py = (r) => y(shown(dy, r.v[yi]));
    const chosen = new Set(selected);
    const dot = (r, radius, fill) => { ctx.beginPath(); ctx.arc(px(r), py(r), radius, 0, 2 * Math.PI); ctx.fillStyle = fill; ctx.fill(); };
    for (const r of rows) if (!chosen.has(r)) dot(r, 2.5, "rgba(170,170,170,0.45)");
    ctx.globalAlpha = 0.75;
    for (const r of selected) dot(r, 3.5, colorOf(r));
    ctx.globalAlpha = 1;
    const front = front2d(selected, xi, yi);
    const line = d3.line().x(px).y(py).curve(d3.curveStepAfter);
    for (const group of d3.group(front, (r) => r.w).values()) {
      svg.append("path").attr("d", line(group)).attr("fill", "none").attr("stroke", ink).attr("stroke-width", 1.2).attr("stroke-dasharray", "4 3");
    }
    svg.append("g").attr("class", "front").selectAll("circle").data(front).join("circle").attr("cx", px).attr("cy", py).attr("r", 5.5)
      .attr("fill", "none").attr("stroke", ink).attr("stroke-width", 1.5).attr("data-key", (r) => r.key);
    if (picked && Number.isFinite(px(picked)) && Number.isFinite(py(picked))) svg.append("circle").attr("class", "picked").attr("cx", px(picked)).attr("cy", py(picked)).attr("r", 8).attr("fill", "none").attr("stroke", "#D55E00").attr("stroke-width", 2.5);
    if (data.workloads.length > 1) {
      const legend = svg.append("g").attr("transform", `translate(${width - m.right - 8},${m.top + 4})`);
      data.workloads.forEach((label, w) => {
        legend.append("circle").attr("cx", -6).attr("cy", w * 16).attr("r", 4).attr("fill", palette[w % palette.length]);
        legend.append("text").attr("x", -14).attr("y", w * 16 + 4).attr("text-anchor", "end").style("font-size", "11px").text(label);
      });
    }
    // Hover and click: the nearest point within 12 px (Delaunay triangulation of the drawn points).
    const drawn = rows.filter((r) => Number.isFinite(px(r)) && Number.isFinite(py(r)));
    const delaunay = d3.Delaunay.from(drawn, px, py);
    const nearest = (event) => {
      const [mx, my] = d3.pointer(event, svg.node());
      const r = drawn[delaunay.find(mx, my)];
      return r && Math.hypot(px(r) - mx, py(r) - my) <= 12 ? r : undefined;
    };
    svg.on("mousemove", (event) => {
      const r = nearest(event);
      if (r) showTooltip(r, event);
      else hideTooltip();
    }).on("mouseleave", hideTooltip).on("click", (event) => {
      const r = nearest(event);
      if (r) pick(r);
    });
  }

  // ---- tooltip, table, command -----------------------------------------------------------------
  const tooltip = d3.select("#tooltip");
  function showTooltip(r, event) {
    const lines = dims.map((d, i) => [header(d).replace(/ \(.*\)$/, ""), format(d, r.v[i])]);
    if (data.workloads.length === 1) lines.unshift(["workload", data.workloads[0]]);
    tooltip.html("").style("display", "block").style("left", `${event.clientX + 14}px`).style("top", `${event.clientY + 14}px`);
    tooltip.append("table").selectAll("tr").data(lines).join("tr").selectAll("td").data((l) => l).join("td").text((t) => t);
    tooltip.append("div").attr("class", "note").text(`${r.front ? "on the Pareto front; " : ""}key ${r.key}; click for its command`);
  }
  function hideTooltip() {
    tooltip.style("display", "none");
  }

  function pick(r) {
    picked = r;
    d3.select("#command-text").text(r.cmd || "(no rerun command was recorded for this sweep)").classed("note", !r.cmd);
    drawLines();
    drawScatter();
    drawTable();
  }

  d3.select("#copy").on("click", () => {
    if (picked?.cmd && navigator.clipboard) navigator.clipboard.writeText(picked.cmd).catch(() => undefined);
  });

  const TABLE_LIMIT = 1000;
  function drawTable() {
    const wrap = d3.select("#table-wrap");
    wrap.selectAll("*").remove();
    const list = selected.slice();
    if (sort.dim >= 0) {
      const i = sort.dim, d = dims[i], sign = sort.ascending ? 1 : -1;
      list.sort((a, b) => sign * (numeric(d) ? a.v[i] - b.v[i] : d.domain.indexOf(a.v[i]) - d.domain.indexOf(b.v[i])));
    }
    const table = wrap.append("table").attr("id", "points");
    table.append("thead").append("tr").selectAll("th").data([...dims.map((d, i) => ({ d, i })), { d: null, i: -1 }]).join("th")
      .text(({ d }) => (d ? header(d) : "rerun"))
      .attr("data-dim", ({ d }) => (d ? d.name : null))
      .attr("aria-sort", ({ i }) => (i >= 0 && i === sort.dim ? (sort.ascending ? "ascending" : "descending") : null))
      .on("click", (_, { i }) => {
        if (i < 0) return;
        sort.ascending = sort.dim === i ? !sort.ascending : true;
        sort.dim = i;
        drawTable();
      });
    const body = table.append("tbody");
    const tr = body.selectAll("tr").data(list.slice(0, TABLE_LIMIT)).join("tr").attr("data-key", (r) => r.key)
      .classed("front", (r) => r.front).classed("picked", (r) => r === picked).on("click", (_, r) => pick(r));
    tr.selectAll("td").data((r) => [...dims.map((d, i) => format(d, r.v[i])), r]).join("td")
      .each(function (c) {
        if (typeof c === "string") d3.select(this).text(c);
        else d3.select(this).append("a").attr("href", "#command").attr("class", "rerun").text("command").on("click", (event) => { event.preventDefault(); pick(c); });
      });
    if (list.length > TABLE_LIMIT) wrap.append("p").attr("class", "note").text(`showing ${TABLE_LIMIT} of ${list.length} selected points (sorted); narrow the ranges to see the others`);
  }

  d3.select("#reset").on("click", () => {
    filters.clear();
    layoutPc();
    update();
  });

  let resizing;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => { layoutPc(); update(); }, 150);
  });

  layoutPc();
  update();

  window.attnsimExplorer = {
    /** Keys of the selected rows, in data order. */
    selectedKeys: () => selected.map((r) => r.key),
    /** The brushed ranges by dimension name: [lo, hi] in display units, or the values of a point axis. */
    filters: () => Object.fromEntries([...filters].map(([i, f]) => [dims[i].name, f.values ? [...f.values] : [f.lo, f.hi]])),
    /** Keys of the ringed 2-D front in the scatter. */
    scatterFront: () => [...document.querySelectorAll("#scatter g.front circle")].map((c) => c.getAttribute("data-key")),
    picked: () => picked?.key,
  };
})();
