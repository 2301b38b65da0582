// The step-through page: show step k of the recorded backward pass (data from backward_steps.py).
// Step 0 is the start; step k (1..N) is the k-th backward node (or folded span) having run.
"use strict";
const data = JSON.parse(document.getElementById("step-data").textContent);
const steps = data.steps;
const N = steps.length;
let k = 0;

// ---- the graph: graphviz's SVG names each node and box in a <title> --------------------------
const svgParts = {};  // title -> <g> of a node or a cluster box
const edgesInto = {};  // node id -> [[source id, <g> of the edge]]
for (const g of document.querySelectorAll("#graph g.node, #graph g.cluster, #graph g.edge")) {
  const title = g.querySelector("title");
  if (!title) continue;
  const text = title.textContent;
  if (g.classList.contains("edge")) {
    const [src, dst] = text.split("->").map((end) => end.split(":")[0]);
    (edgesInto[dst] = edgesInto[dst] || []).push([src, g]);
  } else {
    svgParts[text] = g;
  }
}

// Zoom: start at the width of the panel (1 to 1.6 times graphviz's size: never smaller than
// it draws, so the labels stay readable; the page scrolls to the current node), then -, fit, +.
const svg = document.querySelector("#graph svg");
const natural = svg ? svg.viewBox.baseVal.width * 96 / 72 : 0;  // graphviz sizes in points
let zoom = 1;
function fitWidth() {
  const room = document.getElementById("graph").clientWidth - 20;
  return Math.min(1.6, room / natural);
}
function setZoom(z) {
  zoom = Math.max(0.2, Math.min(4, z));
  if (svg) svg.style.width = `${natural * zoom}px`;
}
for (const button of document.querySelectorAll("#zoom button")) {
  button.addEventListener("click", () => {
    const how = button.dataset.zoom;
    setZoom(how === "fit" ? fitWidth() : how === "in" ? zoom * 1.25 : zoom / 1.25);
  });
}
if (svg) setZoom(Math.max(1, fitWidth()));

function fmt(x) {
  if (typeof x !== "number") return String(x);
  if (x === 0) return "0";
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? String(Number(x.toPrecision(6))) : x.toExponential(4);
}
function short(x) { return typeof x === "number" ? String(Number(x.toPrecision(4))) : String(x); }
function headText(h) { return h.length ? "[" + h.slice(0, 2).map(short).join(", ") + ", \u2026]" : "None"; }
function shapeText(s) { return "(" + s.join(", ") + (s.length === 1 ? ",)" : ")"); }
function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}
function gradText(g) {
  const shape = (g.count > 1 ? g.count + " \u00d7 " : "") + shapeText(g.shape);
  const head = g.count > 1 ? "" : " &nbsp;first entries [" + g.head.map(short).join(", ") +
    (g.head.length < g.shape.reduce((a, b) => a * b, 1) ? ", \u2026" : "") + "]";
  return `<span class="num">${esc(shape)}</span> &nbsp;\u2016g\u2016 <span class="num">${fmt(g.norm)}</span>` +
    ` &nbsp;RMS <span class="num">${fmt(g.rms)}</span>${head}`;
}
function whereText(scope) {
  const parts = [];
  for (const tag of scope) {
    const layer = /^layer (\d+)( reverse)?$/.exec(tag);
    const t = /^t=(\d+)$/.exec(tag);
    if (layer) parts.push(`layer ${layer[1]}, ${layer[2] ? "reverse" : "forward"} direction`);
    else if (t) parts.push(`time step t=${t[1]}`);
    else parts.push(tag);
  }
  return parts.length ? parts.join(" \u00b7 ") : "outside every scope";
}

// ---- the card of the current step ----------------------------------------------------------
function card(step) {
  if (!step) {
    return `<h3>Start</h3><div class="where">Nothing has run yet.</div>` +
      `<h4>The seed</h4><div><code>backward()</code> starts at the output with ` +
      `d ${esc(data.root)} / d ${esc(data.root)} = 1: ${gradText(data.seed)}</div>` +
      `<p>Press <b>Next</b> to run the first node. There are ${N} steps; after the last one, ` +
      `every leaf's \u2016grad\u2016 equals what <code>.grad</code> holds in Python.</p>`;
  }
  const fold = step.nodes > 1;
  let html = `<h3>${esc(step.title)}` + (step.op ? ` <small>(forward op: ${esc(step.op)})</small>` : "") + `</h3>`;
  html += `<div class="where">${esc(whereText(step.scope))}</div>`;
  if (fold) {
    html += `<p class="note">A folded span: ${step.nodes} backward nodes of the time steps the ` +
      `picture hides run in this one step of the page.</p>`;
  }
  for (const rule of step.derivative) {  // a fold lists "Op: rule" for each op inside it
    const op = fold ? rule.split(":")[0] : step.op;
    const missing = fold ? /:\s*$/.test(rule) : !rule;
    html += missing
      ? `<div class="rule missing">${esc(op)}: no <code>Derivative:</code> line in its docstring</div>`
      : `<div class="rule">${esc(rule)}</div>`;
  }
  html += `<h4>${fold ? "What came in from outside the span" : "The gradient that arrived"}</h4>`;
  step.arrived.forEach((g, i) => {
    const label = fold ? esc(step.arrived_from[i]) + ": " : step.arrived.length > 1 ? `output [${i}]: ` : "";
    html += `<div>${label}${gradText(g)}</div>`;
  });
  html += `<h4>${fold ? "What went out of the span" : "What it sends, along each edge"}</h4><table>`;
  html += `<tr><th>to</th><th>gradient</th></tr>`;
  for (const s of step.sends) {
    const where = s.where ? `<br><small>${esc(s.where)}</small>` : "";
    const note = s.note ? `<div class="note">${esc(s.note)}</div>` : "";
    html += `<tr><td>${esc(s.to)}${where}</td><td>${gradText(s.grad)}${note}</td></tr>`;
  }
  if (!step.sends.length) html += `<tr><td colspan="2">nothing</td></tr>`;
  return html + "</table>";
}

// ---- the leaves' table ---------------------------------------------------------------------
const rows = data.leaves.map((name, i) => {
  const tr = document.createElement("tr");
  tr.innerHTML = `<td><b>${esc(name)}</b><br><small class="num">${esc(shapeText(data.leaf_shapes[i]))}</small></td>` +
    `<td class="terms"></td><td><span class="num" data-param="${esc(name)}"></span>` +
    `<br><small class="num head"></small></td>` +
    `<td><span class="num final" data-final="${esc(name)}">${fmt(data.final[i])}</span>` +
    `<br><small class="num">${headText(data.final_heads[i])}</small></td>`;
  document.querySelector("#leaves tbody").appendChild(tr);
  return tr;
});

function show(newK) {
  k = Math.max(0, Math.min(N, newK));
  const step = k > 0 ? steps[k - 1] : null;
  document.getElementById("counter").textContent = `${k} / ${N}`;
  document.getElementById("back").disabled = k === 0;
  document.getElementById("next").disabled = k === N;
  document.getElementById("card").innerHTML = card(step);

  // the graph
  for (const g of document.querySelectorAll("#graph .current, #graph .receiving, #graph .done, #graph .sending")) {
    g.classList.remove("current", "receiving", "done", "sending");
  }
  for (let i = 0; i < k - 1; i++) svgParts[steps[i].highlight]?.classList.add("done");
  if (step) {
    for (const s of step.sends) svgParts[s.to_id]?.classList.add("receiving");
    for (const t of step.terms) svgParts[data.leaf_ids[t.leaf]]?.classList.add("receiving");
    const here = svgParts[step.highlight];
    if (here) {
      here.classList.add("current");
      here.scrollIntoView({ block: "center", inline: "center" });
    }
    const targets = new Set(step.sends.map((s) => s.to_id));
    for (const [src, g] of edgesInto[step.highlight] || []) {
      if (targets.has(src)) g.classList.add("sending");
    }
  }

  // the leaves
  const running = step ? step.running : data.start;
  const counts = step ? step.counts : data.leaves.map(() => 0);
  rows.forEach((tr, i) => {
    const chips = [];
    for (let j = 0; j < k; j++) {
      for (const t of steps[j].terms) {
        if (t.leaf === i) {
          chips.push(`<span class="chip${j === k - 1 ? " new" : ""}" title="\u2016term\u2016 = ${fmt(t.norm)}">${esc(t.label)}</span>`);
        }
      }
    }
    if (chips.length > 10) chips.splice(4, chips.length - 8, `<small>\u2026 ${chips.length - 8} more \u2026</small>`);
    tr.querySelector(".terms").innerHTML = chips.length ? chips.join("") + ` <small>(${counts[i]})</small>` : "\u2014";
    tr.querySelector(".head").textContent = headText(step ? step.heads[i] : data.start_heads[i]);
    const cell = tr.querySelector("[data-param]");
    cell.textContent = fmt(running[i]);
    cell.dataset.value = String(running[i]);
    const final = tr.querySelector(".final");
    final.classList.toggle("equal", k === N && Math.abs(running[i] - data.final[i]) <= 1e-6 * Math.max(1, data.final[i]));
    tr.classList.toggle("changed", !!step && step.terms.some((t) => t.leaf === i));
  });
  const changed = document.querySelector("#leaves tr.changed");  // show the row a term reached
  if (changed) changed.scrollIntoView({ block: "nearest" });
}

document.getElementById("next").addEventListener("click", () => show(k + 1));
document.getElementById("back").addEventListener("click", () => show(k - 1));
document.addEventListener("keydown", (e) => {
  if (e.key === "ArrowRight") { show(k + 1); e.preventDefault(); }
  if (e.key === "ArrowLeft") { show(k - 1); e.preventDefault(); }
  if (e.key === "Home") show(0);
  if (e.key === "End") show(N);
});
show(0);
