// PX Functions dashboard: plain JS, no build step, no CDN. Every value from the API goes in as text (never HTML).
(() => {
  "use strict";
  const base = document.querySelector('meta[name="px-base"]').content;
  const page = document.getElementById("page");
  const SVG = "http://www.w3.org/2000/svg";

  // ---- DOM helpers -------------------------------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
    return el;
  }
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
    for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
    return el;
  }
  const fmtTime = t => t ? new Date(t).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "";
  const fmtNum = n => typeof n !== "number" ? String(n ?? "") : Number.isInteger(n) ? n.toLocaleString() : n.toLocaleString(undefined, { maximumFractionDigits: 3 });
  const humanize = key => key.replace(/_/g, " ").replace(/^\w/, c => c.toUpperCase());
  const isoDay = d => d.toISOString().slice(0, 10);
  const CHANNELS = ["sms", "whatsapp", "email", "webchat"];
  const CHANNEL_NAMES = { sms: "SMS", whatsapp: "WhatsApp", email: "Email", webchat: "Web chat" };

  function table(columns, rows, empty, attrs) {
    if (!rows || rows.length === 0) return h("p", { class: "empty" }, empty || "Nothing here.");
    return h("table", attrs || {},
      h("thead", {}, h("tr", {}, columns.map(c => h("th", {}, c.title)))),
      h("tbody", {}, rows.map(r => h("tr", {}, columns.map(c => h("td", {}, c.render ? c.render(r) : String(r[c.key] ?? "")))))));
  }
  const status = v => h("span", { class: "status-" + String(v || "").toLowerCase() }, String(v ?? ""));

  // ---- API ---------------------------------------------------------------------------------------------------
  class ApiError extends Error { constructor(status, detail) { super(detail || ("HTTP " + status)); this.status = status; } }
  async function api(path, options) {
    const init = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
    init.headers = Object.assign({ "X-Px-Dashboard": "1", "Accept": "application/json" }, init.headers);
    if (init.json !== undefined) { init.body = JSON.stringify(init.json); init.headers["Content-Type"] = "application/json"; delete init.json; }
    // Every call goes through the dashboard's gateway (base + "/data"), which checks the dashboard's sign-in and runs
    // the admin route of the same path: "/api/admin/metrics" here is "{base}/data/admin/metrics" on the wire.
    const res = await fetch(base + "/data" + path.replace(/^\/api\//, "/"), init);
    if (res.status === 401 && document.querySelector('meta[name="px-access"]').content !== "open") {
      location.href = base + "/login";
      throw new ApiError(401, "Signed out");
    }
    const type = res.headers.get("content-type") || "";
    const body = type.includes("json") ? await res.json() : await res.text();
    if (!res.ok) throw new ApiError(res.status, body && body.detail ? body.detail : (body && body.title) || ("HTTP " + res.status));
    return { body, headers: res.headers };
  }
  const get = async path => (await api(path)).body;

  /** Journeys running now, counted per journey, version and step by the admin API. */
  const runningNow = journey => get("/api/admin/running" + (journey ? "?journey=" + encodeURIComponent(journey) : ""));

  // ---- Overview ----------------------------------------------------------------------------------------------
  function sparkline(points, key, definition) {
    const w = 300, hgt = 110, pad = 24;
    const values = points.map(p => Number(p.values[key] ?? 0));
    const max = Math.max(...values, 0), min = Math.min(...values, 0);
    const span = max - min || 1;
    const x = i => pad + (points.length <= 1 ? 0 : i * (w - 2 * pad) / (points.length - 1));
    const y = v => hgt - pad - (v - min) * (hgt - 2 * pad) / span;
    const line = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    const area = values.length ? `${x(0)},${y(min)} ${line} ${x(values.length - 1)},${y(min)}` : "";
    return h("div", { class: "card chart", "data-metric": key },
      h("div", { class: "name", title: definition || "" }, humanize(key)),
      s("svg", { viewBox: `0 0 ${w} ${hgt}`, role: "img", "aria-label": humanize(key) + " over time" },
        s("title", {}, definition || humanize(key)),
        s("line", { x1: pad, y1: hgt - pad, x2: w - pad, y2: hgt - pad, stroke: "#d9deea" }),
        area ? s("polygon", { class: "area", points: area }) : null,
        s("polyline", { class: "line", points: line }),
        values.map((v, i) => s("circle", { cx: x(i), cy: y(v), r: 2.5, fill: "#2f5bd3" }, s("title", {}, `${points[i].date}: ${fmtNum(v)}`))),
        s("text", { x: pad, y: hgt - 6 }, points[0] ? points[0].date : ""),
        s("text", { x: w - pad, y: hgt - 6, "text-anchor": "end" }, points.length ? points[points.length - 1].date : ""),
        s("text", { x: 2, y: pad - 8 }, fmtNum(max))));
  }

  async function overview() {
    const today = new Date();
    const params = new URLSearchParams(location.hash.split("?")[1] || "");
    const from = params.get("from") || isoDay(new Date(today.getTime() - 29 * 86400000));
    const to = params.get("to") || isoDay(today);
    const journey = params.get("journey") || "";
    const journeys = await get("/api/admin/journeys").catch(() => []);
    const form = h("form", { class: "card filters", id: "overview-filters", onsubmit: e => {
      e.preventDefault();
      const q = new URLSearchParams({ from: form.from.value, to: form.to.value });
      if (form.journey.value) q.set("journey", form.journey.value);
      location.hash = "#/overview?" + q.toString();
    } },
      h("label", {}, "From", h("input", { type: "date", name: "from", value: from })),
      h("label", {}, "To", h("input", { type: "date", name: "to", value: to })),
      h("label", {}, "Journey", h("select", { name: "journey" }, h("option", { value: "" }, "All journeys"),
        journeys.map(j => h("option", { value: j.id, selected: j.id === journey }, j.name ? `${j.name} (${j.id})` : j.id)))),
      h("button", { type: "submit" }, "Apply"));
    const live = h("div", { class: "card", id: "live" }, "Counting running journeys…");
    const body = h("div", { id: "metrics" }, h("p", { class: "notice" }, "Loading metrics…"));
    page.replaceChildren(h("h1", {}, "Overview"), form, live, body);

    runningNow(journey).then(running => {
      const perJourney = {};
      for (const r of running.at) perJourney[r.journey] = (perJourney[r.journey] || 0) + r.count;
      live.replaceChildren(h("div", { class: "tiles" },
        h("div", { class: "tile", id: "running-total" }, h("div", { class: "name" }, "Journeys running now"), h("div", { class: "value" }, fmtNum(running.total) + (running.complete ? "" : "+"))),
        Object.entries(perJourney).map(([id, n]) => h("div", { class: "tile" }, h("div", { class: "name" }, id), h("div", { class: "value" }, fmtNum(n))))));
    }).catch(e => live.replaceChildren(h("p", { class: "error" }, "Running journeys: " + e.message)));

    const q = new URLSearchParams({ from, to });
    if (journey) q.set("journey", journey);
    let metrics;
    try {
      metrics = await get("/api/admin/metrics?" + q.toString());
    } catch (e) {
      body.replaceChildren(h("p", { class: "notice", id: "metrics-unavailable" },
        e.status === 404 ? "Metrics not available: this app does not serve GET /api/admin/metrics yet." : "Metrics could not be loaded: " + e.message));
      return;
    }
    const defs = metrics.definitions || {};
    const series = metrics.series || [];
    const totals = metrics.totals || {};
    // Per-channel parts ("replies_whatsapp", "reply_rate_sms") go in the channel table, not in the tiles and charts.
    const channelOf = k => CHANNELS.find(c => k.endsWith("_" + c));
    const keys = [...new Set(series.flatMap(p => Object.keys(p.values || {})))].filter(k => !channelOf(k));
    const byChannel = CHANNELS.map(c => ({
      channel: c,
      sent: totals["messages_sent_" + c], delivered: totals["messages_delivered_" + c],
      replies: totals["replies_" + c], rate: totals["reply_rate_" + c], optOuts: totals["opt_outs_" + c],
    }));
    body.replaceChildren(
      h("h2", {}, "Totals"),
      h("div", { class: "tiles", id: "totals" }, Object.entries(totals).filter(([k]) => !channelOf(k)).map(([k, v]) =>
        h("div", { class: "tile", title: defs[k] || "", "data-metric": k }, h("div", { class: "name" }, humanize(k)), h("div", { class: "value" }, fmtNum(v))))),
      h("h2", {}, "By channel"),
      table([
        { title: "Channel", render: r => CHANNEL_NAMES[r.channel] },
        { title: "Sent", render: r => fmtNum(r.sent ?? 0) },
        { title: "Delivered", render: r => r.channel === "webchat" ? "—" : fmtNum(r.delivered ?? 0) },
        { title: "Replies", render: r => fmtNum(r.replies ?? 0) },
        { title: "Reply rate", render: r => fmtNum(r.rate ?? 0) },
        { title: "Opt-outs", render: r => fmtNum(r.optOuts ?? 0) },
      ], byChannel, "No messages in this range.", { id: "channels" }),
      h("h2", {}, "Over time"),
      keys.length ? h("div", { class: "charts", id: "charts" }, keys.map(k => sparkline(series, k, defs[k]))) : h("p", { class: "empty" }, "No days in this range."),
      h("div", { class: "row" },
        h("div", {}, h("h2", {}, "Stage funnel"), table([{ title: "Journey", key: "journey" }, { title: "Version", key: "version" }, { title: "Stage", key: "stage" }, { title: "Step", key: "step" }, { title: "Reached", render: r => fmtNum(r.reached) }], metrics.funnel, "No journey reached a step in this range.", { id: "funnel" })),
        h("div", {}, h("h2", {}, "Outcomes"), table([{ title: "Journey", key: "journey" }, { title: "Outcome", key: "outcome" }, { title: "Count", render: r => fmtNum(r.count) }], metrics.outcomes, "No journey ended in this range.", { id: "outcomes" }))));
  }

  // ---- Journeys ----------------------------------------------------------------------------------------------
  async function journeysList() {
    const journeys = await get("/api/admin/journeys");
    page.replaceChildren(h("h1", {}, "Journeys"), table([
      { title: "Journey", render: j => j.latestVersion ? h("a", { href: `#/journeys/${encodeURIComponent(j.id)}/${j.latestVersion}`, class: "journey-link" }, j.name || j.id) : (j.name || j.id) },
      { title: "Id", render: j => h("code", {}, j.id) },
      { title: "Latest version", render: j => j.latestVersion ?? "draft only" },
      { title: "Published", render: j => fmtTime(j.publishedAt) },
      { title: "Draft", render: j => j.hasDraft ? "yes" : "" },
    ], journeys, "No journeys yet: save one with POST /api/admin/journeys and publish it.", { id: "journeys" }));
  }

  function drawMap(map, counts, through) {
    through = through || {};
    const boxW = 250, boxH = 54, gapY = 26, left = 150, top = 10;
    const rowOf = new Map(map.steps.map((st, i) => [st.id, i]));
    const yOf = i => top + i * (boxH + gapY);
    const far = map.steps.flatMap((st, i) => st.edges.filter(e => rowOf.get(e.to) !== i + 1));
    const width = left + boxW + 60 + Math.min(far.length, 14) * 22 + 160;
    const height = top + map.steps.length * (boxH + gapY);
    const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "map", role: "img", "aria-label": `Map of ${map.name}` },
      s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, s("path", { d: "M0,0 L10,5 L0,10 z", fill: "#8b95ad" }))));
    // Stage bands: consecutive steps of one stage.
    let start = 0;
    for (let i = 1; i <= map.steps.length; i++) {
      if (i === map.steps.length || map.steps[i].stage !== map.steps[start].stage) {
        svg.append(s("rect", { class: "band", x: 0, y: yOf(start) - 6, width: left - 10, height: yOf(i - 1) + boxH - yOf(start) + 12, rx: 6 }),
          s("text", { class: "band-label", x: 8, y: yOf(start) + 14 }, map.steps[start].stage || "(no stage)"));
        start = i;
      }
    }
    let lane = 0;
    map.steps.forEach((st, i) => {
      const x = left, y = yOf(i);
      // One arrow per target: "no reply / otherwise" rather than two arrows on top of each other.
      const merged = [];
      for (const e of st.edges) {
        const same = merged.find(m => m.to === e.to);
        if (same) same.label += " / " + e.label; else merged.push({ to: e.to, label: e.label });
      }
      for (const e of merged) {
        const j = rowOf.get(e.to);
        if (j === undefined) continue;
        if (j === i + 1) {
          svg.append(s("line", { class: "edge", x1: x + boxW / 2, y1: y + boxH, x2: x + boxW / 2, y2: yOf(j), "marker-end": "url(#arrow)" }),
            e.label !== "next" ? s("text", { x: x + boxW / 2 + 6, y: y + boxH + 16 }, e.label) : null);
        } else {
          const off = boxW + 30 + (lane++ % 14) * 22;
          const y1 = y + boxH / 2 - 8 + (lane % 3) * 8, y2 = yOf(j) + boxH / 2;
          svg.append(s("path", { class: "edge", d: `M${x + boxW},${y1} H${x + off} V${y2} H${x + boxW + 2}`, "marker-end": "url(#arrow)" }),
            s("text", { x: x + off + 4, y: (y1 + y2) / 2 }, e.label, s("title", {}, `${st.id} → ${e.to}: ${e.label}`)));
        }
      }
      const n = counts[st.id] || 0;
      svg.append(s("g", { class: "step", "data-step": st.id, "data-count": n },
        s("rect", { class: n ? "box here" : "box", x, y, width: boxW, height: boxH, rx: 8 }),
        s("text", { class: "step-id", x: x + 10, y: y + 20 }, st.id),
        s("text", { x: x + 10, y: y + 38 }, st.type + (st.wait ? " · " + st.wait : "")),
        s("text", { class: "through", x: x + boxW - 10, y: y + boxH - 8, "text-anchor": "end" }, `${fmtNum(through[st.id] || 0)} through`),
        n ? [s("rect", { class: "count", x: x + boxW - 44, y: y + 8, width: 36, height: 20, rx: 10 }), s("text", { class: "count-text", x: x + boxW - 26, y: y + 22, "text-anchor": "middle" }, String(n))] : null,
        s("title", {}, `${st.id} (${st.type}): ${n} journey(s) here now, ${through[st.id] || 0} reached it in the last 90 days`)));
    });
    return svg;
  }

  async function journeyMap(id, version) {
    const [map, versions, running, funnel] = await Promise.all([
      get(`/api/admin/journeys/${encodeURIComponent(id)}/versions/${version}/map`),
      get(`/api/admin/journeys/${encodeURIComponent(id)}/versions`),
      runningNow(id).catch(() => ({ at: [] })),
      get(`/api/admin/metrics?journey=${encodeURIComponent(id)}&from=${isoDay(new Date(Date.now() - 89 * 86400000))}&to=${isoDay(new Date())}`).catch(() => ({ funnel: [] })),
    ]);
    // "Through": journeys of this version that reached each step in the last 90 days (the metrics' funnel).
    const through = {};
    for (const f of funnel.funnel || []) if (String(f.version) === String(version)) through[f.step] = (through[f.step] || 0) + f.reached;
    const counts = {};
    for (const r of running.at) if (String(r.version) === String(version) && r.step) counts[r.step] = (counts[r.step] || 0) + r.count;
    const here = Object.values(counts).reduce((a, b) => a + b, 0);
    const sample = { journeyId: id, version: Number(version), sample: { customer: { id: "sim-1", first_name: "Sam", phone: "+14155550100", email: "sam@example.com", time_zone: "America/Los_Angeles" }, order: { id: "1001", created_at: new Date().toISOString() } }, replies: [] };
    const text = h("textarea", { name: "request", "aria-label": "Simulation request (JSON)" }, JSON.stringify(sample, null, 2));
    const out = h("div", { id: "simulation" });
    const simulate = h("form", { class: "card stack", id: "simulate", onsubmit: async e => {
      e.preventDefault();
      out.replaceChildren(h("p", { class: "notice" }, "Simulating…"));
      try {
        const { body } = await api("/api/admin/journeys/simulate", { method: "POST", body: text.value, headers: { "Content-Type": "application/json" } });
        const entries = Array.isArray(body) ? body : body.timeline || body.entries || [];
        const cols = [...new Set(entries.flatMap(x => Object.keys(x)))].filter(k => typeof entries.find(x => x[k] !== undefined)[k] !== "object");
        out.replaceChildren(h("h2", {}, `Timeline (${entries.length} entries)`), h("div", { class: "scroll" }, table(cols.map(k => ({ title: humanize(k), key: k })), entries, "The journey did nothing.", { id: "timeline" })));
      } catch (err) { out.replaceChildren(h("p", { class: "error" }, "Simulation failed: " + err.message)); }
    } }, h("h2", {}, "Simulate a customer"), text, h("p", {}, h("button", { type: "submit" }, "Simulate")), out);
    page.replaceChildren(
      h("h1", {}, `${map.name} `, h("span", { class: "mono" }, `${map.id} v${map.version}`)),
      h("div", { class: "card filters" },
        h("label", {}, "Version", h("select", { id: "version", onchange: e => { location.hash = `#/journeys/${encodeURIComponent(id)}/${e.target.value}`; } },
          versions.map(v => h("option", { value: v.version, selected: String(v.version) === String(version) }, `v${v.version} · ${fmtTime(v.publishedAt)}`)))),
        h("p", { id: "here-now" }, `${here} journey(s) running on this version now.`),
        h("a", { href: "#/journeys" }, "All journeys")),
      h("div", { class: "card map", id: "journey-map" }, drawMap(map, counts, through)),
      simulate);
  }

  // ---- Customers ---------------------------------------------------------------------------------------------
  async function customers() {
    const result = h("div", { id: "customer" });
    const form = h("form", { class: "card filters", id: "find-customer", onsubmit: async e => {
      e.preventDefault();
      result.replaceChildren(h("p", { class: "notice" }, "Looking…"));
      try {
        const { body } = await api("/api/admin/customers/find", { method: "POST", json: { query: form.query.value } });
        result.replaceChildren(timeline(body));
      } catch (err) { result.replaceChildren(h("p", { class: "error", id: "not-found" }, err.message)); }
    } },
      h("label", {}, "Customer id, email or phone", h("input", { name: "query", required: true, size: 36, autocomplete: "off" })),
      h("button", { type: "submit" }, "Find"));
    page.replaceChildren(h("h1", {}, "Customers"), form, result);
  }

  function timeline(t) {
    const actions = h("div", { class: "filters" });
    const note = h("p", { id: "customer-action" });
    if (t.customerId) {
      actions.append(
        h("button", { type: "button", class: "secondary", id: "export", onclick: async () => {
          let data;
          try { data = await get(`/api/admin/customers/${encodeURIComponent(t.customerId)}/export`); } catch (err) { note.textContent = "Export failed: " + err.message; return; }
          const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
          h("a", { href: url, download: `customer-${t.customerId}.json` }).click();
          note.textContent = "Export downloaded.";
        } }, "Export data"),
        h("button", { type: "button", class: "danger", id: "erase", onclick: async () => {
          if (!window.confirm(`Erase every record of customer ${t.customerId}? Their journeys end and this cannot be undone.`)) { note.textContent = "Erasure cancelled."; return; }
          try {
            const { body } = await api(`/api/admin/customers/${encodeURIComponent(t.customerId)}/erase`, { method: "POST" });
            note.textContent = "Erasure requested: " + (typeof body === "string" ? body : JSON.stringify(body));
          } catch (err) { note.textContent = "Erasure failed: " + err.message; }
        } }, "Erase customer"));
    }
    // Facts are the answers a journey recorded (answers.{name}); the other records are replies and events kept for a person.
    const isAnswer = r => r.kind === "fact" || r.kind === "answer";
    const replies = t.records.filter(r => !isAnswer(r));
    const answers = t.records.filter(isAnswer);
    const payloadText = p => typeof p === "string" ? p : p && (p.text || p.value || p.answer) ? String(p.text ?? p.value ?? p.answer) : JSON.stringify(p);
    return h("div", {},
      h("div", { class: "card" }, h("h2", {}, "Customer ", h("code", { id: "customer-key" }, t.customer)), actions, note),
      told(t.profile),
      h("h2", {}, "Journeys"), table([
        { title: "Instance", render: j => h("code", {}, j.instanceId) },
        { title: "Status", render: j => status(j.status) },
        { title: "Journey", render: j => j.customStatus ? `${j.customStatus.journey ?? ""} v${j.customStatus.version ?? ""}` : "" },
        { title: "Stage / step", render: j => j.customStatus ? `${j.customStatus.stage ?? ""} / ${j.customStatus.step ?? ""}` : "" },
        { title: "Started", render: j => fmtTime(j.createdTime) },
      ], t.journeys, "No journeys.", { id: "customer-journeys" }),
      h("h2", {}, "Messages"), table([
        { title: "When", render: m => fmtTime(m.sentAt || m.createdAt) },
        { title: "Channel", key: "channel" },
        { title: "Step", render: m => `${m.journeyId ?? ""} ${m.step ?? m.kind ?? ""}` },
        { title: "Status", render: m => status(m.status) },
        { title: "Why", render: m => m.reason || (m.holdUntil ? "held until " + fmtTime(m.holdUntil) : "") },
        { title: "Text", key: "preview" },
      ], t.messages, "No messages.", { id: "customer-messages" }),
      h("div", { class: "row" },
        h("div", {}, h("h2", {}, "Replies and other records"), table([{ title: "When", render: r => fmtTime(r.at) }, { title: "Kind", key: "kind" }, { title: "Text", render: r => payloadText(r.payload) }], replies, "Nothing else recorded.", { id: "customer-replies" })),
        h("div", {}, h("h2", {}, "Answers"), table([{ title: "When", render: r => fmtTime(r.at) }, { title: "Answer", render: r => payloadText(r.payload) }], answers, "No answers recorded.", { id: "customer-answers" }))),
      h("h2", {}, "Consent"), table([
        { title: "Channel", key: "channel" },
        { title: "Address", key: "address" },
        { title: "Now", render: c => [c.state.service ? "service" : null, c.state.marketing ? "marketing" : null, c.state.optedOut ? "opted out" : null, c.state.suppressed ? "suppressed" : null].filter(Boolean).join(", ") || "none" },
        { title: "History", render: c => h("ul", {}, c.history.map(x => h("li", {}, `${fmtTime(x.at)} ${x.action} (${x.source ?? ""})`))) },
      ], t.consent, "No consent recorded.", { id: "customer-consent" }));
  }

  /** What the customer told us (the find's profile): answers, preferences and products, each with where it came from. */
  function told(p) {
    if (!p) return null;
    // A reply shows the customer's words as written (its text reference on hover); other sources their kind and detail.
    const source = src => !src ? "" : h("span", { class: "source", title: src.kind === "reply" ? src.reference || "" : null },
      src.kind, src.kind !== "reply" && src.reference ? ` (${src.reference})` : "", src.text ? ` “${src.text}”` : "");
    const earlier = a => a.history.length ? h("ul", {}, a.history.map(v => h("li", {}, `${v.value ?? ""} (${fmtTime(v.at)})`))) : "";
    const answers = table([
      { title: "Fact", render: a => humanize(a.fact) },
      { title: "Answer", render: a => h("strong", {}, a.value ?? "") },
      { title: "When", render: a => fmtTime(a.at) },
      { title: "Journey / step", render: a => `${a.journeyId ?? ""} / ${a.step ?? ""}` },
      { title: "Source", render: a => source(a.source) },
      { title: "Earlier", render: earlier },
    ], p.answers, "No answers yet.", { id: "profile-answers" });
    const pr = p.preferences;
    const setting = (name, x) => x ? { name, value: x.value, source: x.source } : null;
    const hours = pr.quietHours;
    const preferences = table([
      { title: "Preference", key: "name" }, { title: "Value", key: "value" }, { title: "Source", render: r => source(r.source) },
    ], [
      ...pr.channels.map(c => ({ name: `${c.channel.toUpperCase()} ${c.address}`, value: c.state + (c.since ? " since " + fmtTime(c.since) : ""), source: c.source })),
      { name: "Marketing", value: pr.marketing },
      setting("Locale", pr.locale), setting("Time zone", pr.timeZone), setting("Country", pr.country),
      hours ? { name: "Texts between", value: `${hours.from}–${hours.to} their time` + (hours.region ? ` (${hours.region} rules)` : ""), source: hours.source } : null,
    ].filter(Boolean), "No preferences known.", { id: "profile-preferences" });
    const products = table([
      { title: "Product", render: x => [x.title || "(no title)", x.sku ? h("code", {}, " " + x.sku) : ""] },
      { title: "Journey", render: x => x.journeyId ?? "" },
      { title: "Stage reached", render: x => x.stage ?? "" },
      { title: "Status", render: x => status(x.status) },
      { title: "What it recorded", render: x => x.facts.length ? h("ul", {}, x.facts.map(f => h("li", {}, `${humanize(f.fact)}: `, h("strong", {}, f.value ?? ""), " ", source(f.source)))) : "" },
    ], p.products, "No products.", { id: "profile-products" });
    return h("div", { class: "card", id: "customer-profile" }, h("h2", {}, "What they told us"),
      h("h3", {}, "Answers"), answers, h("h3", {}, "Preferences"), preferences, h("h3", {}, "Products"), products);
  }

  // ---- Operations --------------------------------------------------------------------------------------------
  async function operations() {
    const section = (title, id) => { const el = h("div", { id }, h("p", { class: "notice" }, "Loading…")); return [h("h2", {}, title), el]; };
    const [pt, poison] = section("Poison messages", "poison");
    const [wt, webhooks] = section("Rejected webhooks", "rejected-webhooks");
    const [ft, failed] = section("Failed sends", "failed-sends");
    const [ot, outbox] = section("Dev outbox", "dev-outbox");
    page.replaceChildren(h("h1", {}, "Operations"), pt, poison, wt, webhooks, ft, failed, ot, outbox);
    const fill = async (el, load, render) => { try { el.replaceChildren(render(await load())); } catch (e) { el.replaceChildren(h("p", { class: "error" }, e.message)); } };
    const generic = (rows, empty, id) => {
      const cols = [...new Set((rows || []).flatMap(r => Object.keys(r)))].filter(k => (rows || []).every(r => typeof r[k] !== "object" || r[k] === null)).slice(0, 7);
      return table(cols.map(k => ({ title: humanize(k), render: r => /At$|Time$/.test(k) ? fmtTime(r[k]) : String(r[k] ?? "") })), rows, empty, { id });
    };
    fill(poison, () => get("/api/admin/poison"), rows => generic(rows, "No poison messages.", "poison-table"));
    fill(webhooks, () => get("/api/admin/webhooks/rejected"), rows => generic(rows, "No rejected webhooks.", "rejected-table"));
    fill(failed, () => get("/api/admin/messages/failed"), rows => table([
      { title: "When", render: m => fmtTime(m.updatedAt || m.createdAt) }, { title: "Customer", render: m => h("code", {}, m.customerKey) }, { title: "Channel", key: "channel" },
      { title: "Step", render: m => `${m.journeyId ?? ""} ${m.step ?? ""}` }, { title: "Attempts", key: "attempts" }, { title: "Why", key: "reason" }], rows, "No failed sends.", { id: "failed-table" }));
    try {
      const rows = await get("/api/dev/outbox");
      outbox.replaceChildren(devOutbox(rows));
    } catch (e) {
      outbox.replaceChildren(h("p", { class: "notice" }, e.status === 404 ? "The dev outbox is off: messages go through Azure Communication Services." : e.message));
    }
  }

  function devOutbox(rows) {
    return table([
      { title: "When", render: m => fmtTime(m.at) },
      { title: "Channel", key: "channel" },
      { title: "To", render: m => h("code", {}, m.to) },
      { title: "Message", render: m => [m.subject ? h("strong", {}, m.subject + " ") : null, m.text] },
      { title: "", render: m => m.channel !== "sms" ? "" : replyForm(m) },
    ], rows, "Nothing sent yet.", { id: "outbox-table" });
  }

  function replyForm(m) {
    const result = h("span", { class: "reply-result" });
    const form = h("form", { class: "reply", onsubmit: async e => {
      e.preventDefault();
      try {
        const { body } = await api("/api/dev/replies", { method: "POST", json: { from: m.to, text: form.text.value } });
        result.textContent = "Replied: " + (body.action || body.Action || "accepted");
        form.text.value = "";
      } catch (err) { result.textContent = "Failed: " + err.message; }
    } }, h("input", { name: "text", placeholder: "Reply as this customer", "aria-label": "Reply as " + m.to, size: 18, required: true }), " ", h("button", { type: "submit", class: "secondary" }, "Reply"), " ", result);
    return form;
  }

  // ---- Desk --------------------------------------------------------------------------------------------------
  // Handoffs to a person: the open ones with their SLA clock, one conversation with reply, note, assign and close.
  // The page polls every 10 s while it is open; what an agent is typing is never redrawn.
  const agentKey = "px-agent";
  let deskTimer = null;
  const stopDesk = () => { if (deskTimer) clearInterval(deskTimer); deskTimer = null; };
  const deskPath = id => `/api/admin/handoffs/${encodeURIComponent(id)}`;

  /** Time left to the first answer, overdue, or met: [text, class]. */
  function slaClock(x) {
    const fmt = ms => { const m = Math.max(0, Math.round(ms / 60000)); return m >= 60 ? `${Math.floor(m / 60)}h ${m % 60}m` : `${m}m`; };
    if (x.firstAgentReplyAt) return [x.slaBreached ? "answered late" : "answered", x.slaBreached ? "sla-late" : "sla-met"];
    if (x.status !== "open") return ["closed", "sla-met"];
    const left = new Date(x.slaDueAt).getTime() - Date.now();
    return left < 0 ? [`overdue ${fmt(-left)}`, "sla-overdue"] : [`${fmt(left)} left`, left < 30 * 60000 ? "sla-soon" : "sla-ok"];
  }
  const sla = x => { const [text, cls] = slaClock(x); return h("span", { class: "sla " + cls, title: "First answer due " + fmtTime(x.slaDueAt) }, text); };

  async function desk(instanceId) {
    stopDesk();
    const params = new URLSearchParams(location.hash.split("?")[1] || "");
    const listed = params.get("status") === "closed" ? "closed" : "open";
    const me = () => (localStorage.getItem(agentKey) || "").trim();
    const mine = params.get("mine") === "1";
    const name = h("input", { name: "agent", value: me(), placeholder: "Your name or email", size: 22, "aria-label": "Your name", onchange: e => localStorage.setItem(agentKey, e.target.value.trim()) });
    const link = (q, text, active) => h("a", { href: "#/desk" + (instanceId ? "/" + encodeURIComponent(instanceId) : "") + (q ? "?" + q : ""), class: active ? "active" : null }, text);
    const updated = h("span", { class: "muted", id: "desk-updated" });
    const list = h("div", { id: "desk-list" }, h("p", { class: "notice" }, "Loading handoffs…"));
    const detail = h("div", { id: "desk-detail" }, instanceId ? h("p", { class: "notice" }, "Loading the conversation…") : h("p", { class: "empty" }, "Open a conversation from the list."));
    page.replaceChildren(
      h("h1", {}, "Desk"),
      h("div", { class: "card filters", id: "desk-filters" },
        h("span", { class: "tabs" }, link("", "Open", listed === "open" && !mine), link("mine=1", "Mine", mine), link("status=closed", "Recently closed", listed === "closed")),
        h("label", {}, "You are", name), updated),
      h("div", { class: "desk" }, list, detail));

    async function loadList() {
      const q = new URLSearchParams({ status: listed });
      if (mine && me()) q.set("assignee", me());
      const data = await get("/api/admin/handoffs?" + q.toString());
      list.replaceChildren(table([
        { title: "Customer", render: x => h("a", { href: `#/desk/${encodeURIComponent(x.instanceId)}${listed === "closed" ? "?status=closed" : ""}`, class: "desk-open" }, x.customerName || x.customerKey || x.instanceId) },
        { title: "Journey", render: x => [h("div", {}, `${x.journeyId} v${x.version ?? "?"}`), h("div", { class: "muted" }, `${x.stage ?? ""} · ${x.step ?? ""}`)] },
        { title: "Reason", key: "reason" },
        { title: listed === "open" ? "SLA" : "Closed", render: x => listed === "open" ? sla(x) : fmtTime(x.closedAt) },
        { title: "Assignee", render: x => x.assignee || h("span", { class: "muted" }, "unassigned") },
        { title: "Last message", render: x => fmtTime(x.lastCustomerMessageAt) },
      ], data.handoffs, listed === "open" ? "Nobody is waiting for a person." : "No handoff closed recently.", { id: "desk-table" }));
      for (const tr of list.querySelectorAll("tbody tr")) {
        const a = tr.querySelector("a.desk-open");
        if (a && instanceId && a.getAttribute("href").startsWith(`#/desk/${encodeURIComponent(instanceId)}`)) tr.classList.add("selected");
      }
      updated.textContent = "Updated " + new Date().toLocaleTimeString();
    }

    let shown = null;
    async function loadDetail() {
      if (!instanceId) return;
      const d = await get(deskPath(instanceId));
      const x = d.handoff;
      const entries = d.conversation.map(c => ({ at: c.at, kind: c.from, channel: c.channel, text: c.text, status: c.status, step: c.step }))
        .concat(d.notes.map(n => ({ at: n.at, kind: "note", text: n.text, author: n.author })))
        .sort((a, b) => new Date(a.at) - new Date(b.at));
      const who = e => e.kind === "customer" ? (d.customer.firstName || "Customer") : e.kind === "agent" ? "Agent" : e.kind === "note" ? `Note by ${e.author}` : `Journey${e.step ? " · " + e.step : ""}`;
      const conversation = h("ol", { class: "conversation", id: "desk-conversation" }, entries.map(e =>
        h("li", { class: "msg from-" + e.kind },
          h("div", { class: "meta" }, who(e), " · ", fmtTime(e.at), e.channel ? " · " + e.channel : "", e.status ? " · " : "", e.status ? status(e.status) : ""),
          h("div", { class: "text" }, e.text))));
      const journey = d.journey && d.journey.customStatus ? `${d.journey.runtimeStatus} at ${d.journey.customStatus.step ?? ""} (waiting for ${d.journey.customStatus.waitingFor ?? "nothing"})` : (d.journey ? d.journey.runtimeStatus : "not found");
      const head = h("div", { class: "card", id: "desk-head" },
        h("h2", {}, d.customer.firstName || "Customer", " ", d.customer.lastName || "", " ", h("span", { class: "status-" + x.status }, x.status)),
        h("p", {}, [d.customer.phone, d.customer.email].filter(Boolean).join(" · "), d.customer.key ? [" · ", h("code", {}, d.customer.key)] : ""),
        h("p", {}, `${x.journeyId} v${x.version ?? "?"} · ${x.stage ?? ""} · ${x.step ?? ""} — ${x.reason ?? ""}`),
        h("p", {}, "Opened ", fmtTime(x.openedAt), " · SLA ", sla(x), " · ", x.assignee ? "assigned to " + x.assignee : "unassigned", x.closedAt ? ` · closed ${fmtTime(x.closedAt)} (${x.closedBy})` : ""),
        h("p", { class: "muted", id: "desk-journey" }, "Journey: " + journey));
      if (!shown) {
        shown = { head, conversation, actions: actions(x) };
        detail.replaceChildren(shown.head, h("h2", {}, "Conversation"), shown.conversation, shown.actions);
      } else {
        shown.head.replaceWith(head); shown.head = head;
        shown.conversation.replaceWith(conversation); shown.conversation = conversation;
      }
    }

    function actions(x) {
      const result = h("p", { id: "desk-result", role: "status" });
      const done = async (what, call) => { try { await call(); result.textContent = what; await refresh(); } catch (e) { result.textContent = "Failed: " + e.message; } };
      const reply = h("form", { class: "card stack", id: "desk-reply", onsubmit: e => {
        e.preventDefault();
        const text = reply.text.value.trim();
        if (!text) return;
        done("Reply sent.", async () => { await api(deskPath(instanceId) + "/reply", { method: "POST", json: { text, channel: reply.channel.value } }); reply.text.value = ""; });
      } },
        h("label", {}, "Reply to the customer", h("textarea", { name: "text", rows: 3, required: true, maxlength: 1600, class: "plain" })),
        h("div", { class: "filters" },
          h("label", {}, "Channel", h("select", { name: "channel" }, CHANNELS.map(c => h("option", { value: c, selected: c === (x.lastCustomerChannel || "sms") }, CHANNEL_NAMES[c])))),
          h("button", { type: "submit" }, "Send reply")));
      const note = h("form", { class: "card stack", id: "desk-note", onsubmit: e => {
        e.preventDefault();
        const text = note.text.value.trim();
        if (!text) return;
        done("Note added.", async () => { await api(deskPath(instanceId) + "/notes", { method: "POST", json: me() ? { text, author: me() } : { text } }); note.text.value = ""; });
      } },
        h("label", {}, "Internal note (never sent to the customer)", h("textarea", { name: "text", rows: 2, required: true, maxlength: 2000, class: "plain" })),
        h("div", {}, h("button", { type: "submit", class: "secondary" }, "Add note")));
      const other = h("input", { name: "assignee", placeholder: "Agent name or email", size: 22, "aria-label": "Assign to" });
      const assign = h("div", { class: "card filters", id: "desk-assign" },
        h("button", { type: "button", class: "secondary", id: "assign-me", onclick: () => {
          if (!me()) { result.textContent = "Type your name in \"You are\" first."; name.focus(); return; }
          done("Assigned to you.", () => api(deskPath(instanceId) + "/assign", { method: "POST", json: { agent: me() } }));
        } }, "Assign to me"),
        other,
        h("button", { type: "button", class: "secondary", id: "assign-other", onclick: () => other.value.trim() && done("Assigned to " + other.value.trim() + ".", () => api(deskPath(instanceId) + "/assign", { method: "POST", json: { agent: other.value.trim() } })) }, "Assign"),
        h("button", { type: "button", class: "danger", id: "close-handoff", onclick: () => {
          if (!window.confirm("Close this handoff? The journey takes the conversation back and goes on.")) { result.textContent = "Not closed."; return; }
          done("Closed: the journey goes on.", () => api(deskPath(instanceId) + "/close", { method: "POST" }));
        } }, "Close handoff"));
      return h("div", {}, reply, note, assign, result);
    }

    async function refresh() {
      try { await Promise.all([loadList(), loadDetail()]); }
      catch (e) { updated.textContent = "Refresh failed: " + e.message; if (!shown && instanceId) detail.replaceChildren(h("p", { class: "error" }, e.message)); }
    }
    await refresh();
    deskTimer = setInterval(() => { if (document.visibilityState !== "hidden") refresh(); }, 10000);
  }

  // ---- Router ------------------------------------------------------------------------------------------------
  async function route() {
    const path = location.hash.replace(/^#\/?/, "").split("?")[0];
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const name = parts[0] || "overview";
    for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.page === name);
    page.setAttribute("data-page", name);
    page.removeAttribute("data-ready");
    if (name !== "desk") stopDesk();
    try {
      if (name === "journeys" && parts.length >= 3) await journeyMap(parts[1], parts[2]);
      else if (name === "journeys") await journeysList();
      else if (name === "customers") await customers();
      else if (name === "desk") await desk(parts[1]);
      else if (name === "operations") await operations();
      else await overview();
    } catch (e) {
      page.replaceChildren(h("h1", {}, "Something went wrong"), h("p", { class: "error" }, e.message));
    }
    page.setAttribute("data-ready", name);
  }
  window.addEventListener("hashchange", route);
  route();
})();
