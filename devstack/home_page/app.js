// The local Google Home page: plain JavaScript, no framework, nothing from another host.
// It polls its server (/api/updates) every second and sends intents through it (/api/intent);
// the server plays Google (devstack/home_page.py). docs/local-google-home.md describes the page.
"use strict";

import { backendPanel, setUpAddDevice } from "./backend.js";
import { controls } from "./controls.js";
import { api, clock, el, json, placeInOrder, same, short } from "./dom.js";

const POLL_MS = 1000;
const FEED_SHOWN = 300;
const FOLLOW_UP_TRAITS = new Set(["LockUnlock", "OpenClose", "ArmDisarm"]);

const page = {
  setup: null,
  since: 0,
  home: null,
  cards: new Map(), // device id -> {root, signature, updaters, ...}
  pending: new Map(), // device id -> {token, expect, said}
  intents: new Map(), // seq -> <li>
  speaker: null,
};

function say(text, deviceId) {
  document.getElementById("assistant").textContent = text;
  const card = deviceId && page.cards.get(deviceId);
  if (card) card.said.textContent = text;
}

function deviceName(id) {
  const view = page.home && page.home.devices.find((d) => d.id === id);
  return (view && view.name) || id;
}

// --- start and poll --------------------------------------------------------------------------

async function start() {
  page.setup = await api("/api/setup");
  document.getElementById("user").textContent = page.setup.user;
  renderLinks();
  setUpForms();
  poll();
}

async function poll() {
  try {
    const updates = await api(`/api/updates?since=${page.since}`);
    apply(updates);
    connection(true);
  } catch (error) {
    connection(false, error);
  }
  setTimeout(poll, POLL_MS);
}

function connection(up, error) {
  const node = document.getElementById("connection");
  const text = up ? "Connected to the local stack." : `The local stack is not answering: ${error.message}`;
  if (node.textContent !== text) node.textContent = text;
  node.className = up ? "ok" : "bad";
}

function apply(updates) {
  page.home = updates.home;
  renderHome(updates.home);
  renderFeed(updates.feed);
  renderIntents(updates.intents);
  renderSpeaker(updates.speaker);
  settlePending();
}

function renderLinks() {
  const links = page.setup.links;
  const nav = document.getElementById("links");
  const user = encodeURIComponent(page.setup.user);
  nav.append(el("a", { href: `${links.homegraph}/local/records?agentUserId=${user}` },
    "Home Graph records (JSON)"));
  if (links.linking) nav.append(" · ", el("a", { href: links.linking }, "Link the account as Google does"));
}

// --- the home ---------------------------------------------------------------------------------

function renderHome(home) {
  const synced = document.getElementById("synced");
  synced.textContent = home.linked
    ? `Google's last SYNC: ${clock(home.syncedAt) || "none yet"}`
    : `${page.setup.user} is not linked: Google holds nothing.`;
  const views = new Map(home.devices.map((d) => [d.id, d]));
  const structures = document.getElementById("structures");
  const wanted = [];
  for (const structure of home.structures) {
    const section = sectionFor(`structure-${structure.name}`, "h3", structure.name);
    wanted.push(section);
    const rooms = [];
    for (const room of structure.rooms) {
      const roomNode = sectionFor(`room-${structure.name}-${room.name}`, "h4", room.name);
      rooms.push(roomNode);
      const cards = room.devices.map((id) => card(views.get(id)).root);
      placeInOrder(roomNode.querySelector(".devices"), cards);
    }
    placeInOrder(section.querySelector(".devices"), rooms);
  }
  placeInOrder(structures, wanted);
  const only = home.devices.filter((d) => d.verdict === "notInGoogle" || (!d.google.device && d.verdict === "invalid"));
  placeInOrder(document.getElementById("firestore-only"), only.map((v) => card(v).root));
  const hint = only.length
    ? "Devices your backend wrote that Google does not list yet: they move above after the Request Sync."
    : "None: Google lists every device Firestore holds.";
  const hintNode = document.getElementById("firestore-only-hint");
  if (hintNode.textContent !== hint) hintNode.textContent = hint;
  for (const [id, entry] of page.cards) {
    if (!views.has(id)) {
      entry.root.remove();
      page.cards.delete(id);
    }
  }
}

function sectionFor(key, heading, title) {
  const id = "s-" + key.replace(/[^A-Za-z0-9_-]/g, "_");
  let node = document.getElementById(id);
  if (!node) {
    node = el("section", { id, class: heading === "h3" ? "structure" : "room", "aria-labelledby": id + "-title" },
      el(heading, { id: id + "-title", text: title }), el("div", { class: "devices" }));
  }
  return node;
}

function card(view) {
  let entry = page.cards.get(view.id);
  // Rebuilt only when what its controls are made of changes (Google's SYNC answer, the
  // document's traits and state keys); what the user opened or typed is carried over.
  const doc = view.firestore.document;
  const signature = JSON.stringify([view.google.device, doc && doc.traits, doc && Object.keys(doc.states || {}).sort()]);
  if (!entry || entry.signature !== signature) {
    const fresh = buildCard(view);
    fresh.signature = signature;
    if (entry) carryOver(entry, fresh);
    page.cards.set(view.id, fresh);
    entry = fresh;
  }
  updateCard(entry, view);
  return entry;
}

function carryOver(old, fresh) {
  const focused = document.activeElement && old.root.contains(document.activeElement) ? document.activeElement.id : null;
  old.root.querySelectorAll("details[data-part]").forEach((details) => {
    const twin = fresh.root.querySelector(`details[data-part="${details.dataset.part}"]`);
    if (twin) twin.open = details.open;
  });
  old.root.querySelectorAll("input[id], textarea[id], select[id]").forEach((field) => {
    const twin = fresh.root.querySelector(`[id="${field.id}"]`);
    if (twin && field.dataset.edited) {
      if (field.type === "checkbox") twin.checked = field.checked;
      else twin.value = field.value;
      twin.dataset.edited = "1";
    }
  });
  fresh.said.textContent = old.said.textContent;
  old.root.replaceWith(fresh.root);
  if (focused && fresh.root.querySelector(`[id="${focused}"]`)) document.getElementById(focused).focus();
}

function buildCard(view) {
  const id = view.id;
  const sync = view.google.device;
  const doc = view.firestore.document || {};
  const source = sync || doc;
  const traits = (source.traits || []).map(short);
  const titleId = `title-${id}`;
  const name = (source.name && source.name.name) || id;
  const nicknames = (source.name && source.name.nicknames) || [];
  const entry = { updaters: [], said: el("p", { class: "said", id: `said-${id}` }) };
  entry.badges = el("p", { class: "badges" });
  entry.table = el("table", { class: "states" });
  entry.root = el("article", { class: "device", id: `device-${id}`, "aria-labelledby": titleId,
    oninput: (e) => { if (e.target.id) e.target.dataset.edited = "1"; } },
    el("header", {},
      el("h5", { id: titleId, text: name }),
      el("span", { class: "type", text: short(source.type) })),
    el("p", { class: "meta" },
      el("span", {}, "id ", el("code", { text: id })),
      nicknames.length ? el("span", {}, ` · nicknames: ${nicknames.join(", ")}`) : null,
      el("span", {}, ` · traits: ${traits.join(", ") || "none"}`)),
    entry.badges,
    sync ? controls(id, sync, entry, { catalogue: page.setup.catalogue, execute, query: queryDevices }) : null,
    entry.said,
    entry.table,
    backendPanel(id, doc, entry),
  );
  return entry;
}

function updateCard(entry, view) {
  const root = entry.root;
  root.dataset.verdict = view.verdict;
  const pending = page.pending.get(view.id);
  const badges = [];
  if (pending) badges.push(["pending", "PENDING", "Google was answered PENDING: waiting for the follow-up or the state"]);
  const notes = {
    differs: ["differs", `Google ≠ Firestore: ${view.differs.join(", ")}`, "States Google holds differ from Firestore's"],
    notReported: ["note", "Google asks by QUERY", "willReportState is false: Google holds no reported state"],
    notInFirestore: ["note", "Deleted in Firestore", "Google lists it until the Request Sync"],
    notInGoogle: ["note", "Not in Google's home yet", "Waiting for the Request Sync"],
    invalid: ["differs", "Document breaks the contract", view.firestore.invalid || ""],
    inStep: ["ok", "Google = Firestore", "Google holds Firestore's states"],
  };
  badges.push(notes[view.verdict]);
  const doc = view.firestore.document;
  if (doc && doc.deviceError) badges.push(["differs", `deviceError: ${doc.deviceError}`, "Set by the device backend"]);
  if (!same(entry.lastBadges, badges)) {
    entry.lastBadges = badges;
    entry.badges.replaceChildren(...badges.map(([kind, text, title]) =>
      el("span", { class: `badge ${kind}`, title, text })));
    if (view.verdict === "invalid" && view.firestore.invalid) {
      entry.badges.append(el("span", { class: "reason", text: view.firestore.invalid }));
    }
  }
  const held = view.google.states || {};
  const expected = view.firestore.expected || (doc && doc.states) || {};
  const tableState = [held, expected, view.differs];
  if (!same(entry.lastTable, tableState)) {
    entry.lastTable = tableState;
    renderStates(entry.table, view, held, expected);
  }
  for (const update of entry.updaters) update(held);
  if (entry.backendUpdate) entry.backendUpdate(view);
}

function renderStates(table, view, held, expected) {
  const keys = [...new Set([...Object.keys(held), ...Object.keys(expected)])].sort();
  const differs = new Set(view.differs);
  const shown = (value) => (value === undefined ? "—" : JSON.stringify(value));
  table.replaceChildren(
    el("caption", { text: `States of ${view.name || view.id}` }),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", text: "State" }),
      el("th", { scope: "col", text: "Google holds" }),
      el("th", { scope: "col", text: "Firestore" }),
      el("th", { scope: "col" }, el("span", { class: "visually-hidden", text: "Differs" })))),
    el("tbody", {}, keys.map((key) => el("tr", { class: differs.has(key) ? "differs" : null, dataset: { key } },
      el("th", { scope: "row", text: key }),
      el("td", { class: "google", text: shown(held[key]) }),
      el("td", { class: "firestore", text: shown(expected[key]) }),
      el("td", { class: "mark" }, differs.has(key)
        ? el("span", { title: "Google and Firestore differ" }, "≠", el("span", { class: "visually-hidden", text: " differs" }))
        : "")))),
  );
}

// --- EXECUTE, challenges and PENDING ----------------------------------------------------------

function expectation(execution) {
  const p = execution.params || {};
  switch (short(execution.command)) {
    case "OnOff": return { on: p.on };
    case "OpenClose": return { openPercent: p.openPercent };
    case "LockUnlock": return { isLocked: p.lock };
    case "ArmDisarm": return { isArmed: p.arm };
    case "BrightnessAbsolute": return { brightness: p.brightness };
    case "setVolume": return { currentVolume: p.volumeLevel };
    case "StartStop": return { isRunning: p.start };
    default: return null;
  }
}

async function execute(id, execution, challenge) {
  const command = { ...execution, params: { ...(execution.params || {}) } };
  const owner = Object.entries(page.setup.catalogue).find(([, commands]) => commands.includes(short(command.command)));
  const trait = owner ? owner[0] : "";
  if (document.getElementById("by-voice").checked && FOLLOW_UP_TRAITS.has(trait) && !command.params.followUpToken) {
    command.params.followUpToken = `page-${Math.random().toString(36).slice(2, 10)}`;
  }
  if (challenge) command.challenge = challenge;
  const payload = { commands: [{ devices: [{ id }], execution: [command] }] };
  let record;
  try {
    record = await api("/api/intent", { intent: "action.devices.EXECUTE", payload });
  } catch (error) {
    say(`The page could not send it: ${error.message}`, id);
    return;
  }
  renderIntents([record], true);
  const entry = (record.said || []).find((s) => s.ids.includes(id)) || (record.said || [])[0];
  if (!entry) {
    say(`The fulfillment answered HTTP ${record.status}: ${typeof record.answer === "string" ? record.answer : json(record.answer)}`, id);
    return;
  }
  if (entry.challenge === "pinNeeded" || entry.challenge === "challengeFailedPinNeeded") {
    say(entry.said, id);
    const pin = await askPin(entry.said, entry.challenge === "challengeFailedPinNeeded");
    if (pin === null) say("OK, cancelled.", id);
    else await execute(id, command, { pin });
    return;
  }
  closePin();
  if (entry.challenge === "ackNeeded") {
    say(entry.said, id);
    if (await askAck(entry.said)) await execute(id, command, { ack: true });
    else say(`OK, I won't change ${deviceName(id)}.`, id);
    return;
  }
  say(entry.said, id);
  if (entry.status === "PENDING") {
    page.pending.set(id, { token: command.params.followUpToken, expect: expectation(command), since: Date.now() });
    const card = page.cards.get(id);
    if (card && page.home) {
      const view = page.home.devices.find((d) => d.id === id);
      if (view) updateCard(card, view);
    }
  }
}

function settlePending() {
  for (const [id, pending] of page.pending) {
    const view = page.home.devices.find((d) => d.id === id);
    const held = (view && view.google.states) || {};
    if (pending.expect && Object.entries(pending.expect).every(([k, v]) => same(held[k], v))) {
      finishPending(id, `${deviceName(id)}: Google now holds ${Object.entries(pending.expect).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(", ")}.`);
    }
  }
}

function finishPending(id, text) {
  if (!page.pending.has(id)) return;
  page.pending.delete(id);
  say(text, id);
  const card = page.cards.get(id);
  const view = page.home && page.home.devices.find((d) => d.id === id);
  if (card && view) updateCard(card, view);
}

let pinAnswer = null;

function askPin(prompt, wrong) {
  const dialog = document.getElementById("pin-dialog");
  document.getElementById("pin-prompt").textContent = prompt;
  document.getElementById("pin-title").textContent = wrong ? "Wrong PIN" : "PIN needed";
  const input = document.getElementById("pin");
  input.value = "";
  if (!dialog.open) dialog.showModal();
  input.focus();
  return new Promise((resolve) => { pinAnswer = resolve; });
}

function closePin() {
  const dialog = document.getElementById("pin-dialog");
  if (dialog.open) dialog.close();
}

function askAck(prompt) {
  const dialog = document.getElementById("ack-dialog");
  document.getElementById("ack-prompt").textContent = prompt;
  dialog.returnValue = "";
  dialog.showModal();
  document.getElementById("ack-yes").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
  });
}

async function queryDevices(ids) {
  const payload = { devices: ids.map((id) => ({ id })) };
  try {
    const record = await api("/api/intent", { intent: "action.devices.QUERY", payload });
    renderIntents([record], true);
    const devices = (record.answer && record.answer.payload && record.answer.payload.devices) || {};
    const parts = Object.entries(devices).map(([id, s]) => `${deviceName(id)}: ${s.status}${s.errorCode ? " " + s.errorCode : ""}`);
    say(`QUERY answered ${parts.join("; ") || `HTTP ${record.status}`}.`, ids.length === 1 ? ids[0] : null);
  } catch (error) {
    say(`The page could not send it: ${error.message}`);
  }
}

function setUpForms() {
  setUpAddDevice(page.setup.templates);
  document.getElementById("send-sync").addEventListener("click", async () => {
    const record = await api("/api/intent", { intent: "action.devices.SYNC" });
    renderIntents([record], true);
  });
  document.getElementById("send-query").addEventListener("click", () => {
    queryDevices(page.home.devices.filter((d) => d.google.device).map((d) => d.id));
  });
  document.getElementById("speaker-dnd").addEventListener("click", async () => {
    const on = !(page.speaker && page.speaker.dnd);
    try {
      page.speaker = await api("/api/speaker", { dnd: on });
      renderSpeaker(page.speaker);
    } catch (error) {
      document.getElementById("speaker-state").textContent = `The speaker did not answer: ${error.message}`;
    }
  });
  const pinForm = document.getElementById("pin-form");
  pinForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const resolve = pinAnswer;
    pinAnswer = null;
    if (resolve) resolve(document.getElementById("pin").value);
  });
  const cancel = () => {
    const resolve = pinAnswer;
    pinAnswer = null;
    closePin();
    if (resolve) resolve(null);
  };
  document.getElementById("pin-cancel").addEventListener("click", cancel);
  document.getElementById("pin-dialog").addEventListener("cancel", (e) => {
    e.preventDefault();
    cancel();
  });
  for (const box of document.querySelectorAll(".filters input")) {
    box.addEventListener("change", () => {
      document.getElementById("feed").classList.toggle(`hide-${box.dataset.kind}`, !box.checked);
    });
  }
}

function renderSpeaker(speaker) {
  page.speaker = speaker;
  const box = document.getElementById("speaker");
  box.hidden = !speaker;
  if (!speaker) return;
  const text = speaker.error || `The speaker itself says Do Not Disturb is ${speaker.dnd ? "on" : "off"}.`;
  const node = document.getElementById("speaker-state");
  if (node.textContent !== text) node.textContent = text;
}

// --- what Google received, and the last intents -----------------------------------------------

const FEED_TEXT = {
  reportState: (r) => {
    const request = r.request || {};
    const devices = ((request.payload || {}).devices || {});
    const states = Object.entries(devices.states || {}).map(([id, s]) =>
      `${deviceName(id)} ${Object.entries(s).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`);
    const notified = Object.keys(devices.notifications || {}).map((id) => `a notification for ${deviceName(id)}`);
    const what = [...states, ...notified].join("; ") || "nothing";
    return r.status === 200 ? `Report State: ${what}` : `Report State refused (${r.status === null ? "timed out" : "HTTP " + r.status}): ${what}`;
  },
  requestSync: (r) => `Request Sync${r.request && r.request.async ? " (async)" : ""}${r.status === 200 ? "" : `: ${r.status === null ? "timed out" : "HTTP " + r.status}`}`,
  sync: (r) => (r.error ? `Google's SYNC failed: ${r.error}` : `Google sent SYNC: ${r.devices.length} devices listed`),
  query: (r) => (r.error ? `Google's QUERY failed: ${r.error}` : `Google sent QUERY for ${r.devices.length} devices (after SYNC); holds states of ${r.stored.length}`),
  notification: (r) => `Notification: ${r.said}`,
  followUp: (r) => `Follow-up response: ${r.said}`,
  error: (r) => `Google's console: ${r.message}`,
  deleteUser: (r) => `agentUsers.delete (HTTP ${r.status})`,
};
const FEED_GROUP = { requestSync: "sync", sync: "sync", query: "sync" };

function renderFeed(feed) {
  const list = document.getElementById("feed");
  if (feed.reset) {
    list.replaceChildren();
    page.since = 0;
    return;
  }
  if (feed.missed) list.prepend(el("li", { class: "feed-missed", text: `${feed.missed} older records were dropped by the local Home Graph.` }));
  for (const record of feed.records) {
    const text = (FEED_TEXT[record.kind] || ((r) => r.kind))(record);
    const kind = FEED_GROUP[record.kind] || record.kind;
    const bad = record.kind === "error" || (record.status !== undefined && record.status !== 200);
    list.prepend(el("li", { class: `feed-${kind}${bad ? " bad" : ""}`, dataset: { kind: record.kind, seq: record.seq } },
      el("time", { datetime: record.at, text: clock(record.at) }), " ", text));
    if (record.kind === "followUp" || record.kind === "notification") {
      say(record.said, record.deviceId);
      const pending = page.pending.get(record.deviceId);
      const token = ((record.payload || {}).followUpResponse || {}).followUpToken;
      if (pending && token && token === pending.token) finishPending(record.deviceId, record.said);
    }
  }
  while (list.children.length > FEED_SHOWN) list.lastElementChild.remove();
  page.since = feed.cursor;
}

function renderIntents(records, partial = false) {
  const list = document.getElementById("intents");
  for (const record of records) {
    let item = page.intents.get(record.seq);
    const summary = intentSummary(record);
    if (!item) {
      item = el("li", { dataset: { seq: record.seq } }, el("details", {}, el("summary", {}), el("div", { class: "body" })));
      page.intents.set(record.seq, item);
    }
    const key = JSON.stringify([summary, record.backend]);
    if (item.dataset.key !== key) {
      item.dataset.key = key;
      item.querySelector("summary").textContent = summary;
      const body = [
        el("h4", { text: "Request" }), el("pre", { class: "json", text: json(record.request) }),
        el("h4", { text: `Answer (HTTP ${record.status}, ${record.latencyMs} ms)` }), el("pre", { class: "json", text: json(record.answer) }),
      ];
      if (record.backend) {
        body.push(el("h4", { text: "The device backend's command records" }), el("pre", { class: "json", text: json(record.backend) }));
      }
      item.querySelector(".body").replaceChildren(...body);
    }
  }
  const seqs = [...page.intents.keys()].sort((a, b) => b - a);
  const keep = partial ? seqs : seqs.filter((s) => records.some((r) => r.seq === s));
  placeInOrder(list, keep.slice(0, 30).map((s) => page.intents.get(s)));
  for (const seq of seqs.slice(30)) page.intents.delete(seq);
}

function intentSummary(record) {
  const said = (record.said || []).map((s) => s.challenge || s.errorCode || s.status).join(", ");
  const devices = ((record.request.body.inputs[0].payload || {}).commands || [])
    .flatMap((c) => c.devices.map((d) => d.id));
  const commands = ((record.request.body.inputs[0].payload || {}).commands || [])
    .flatMap((c) => c.execution.map((e) => short(e.command) + (e.challenge ? " + challenge" : "")));
  const what = record.intent === "EXECUTE" ? ` ${commands.join(", ")} → ${devices.join(", ")}` : "";
  return `${clock(record.at)} ${record.intent}${what} · HTTP ${record.status} · ${record.latencyMs} ms${said ? " · " + said : ""}`;
}

document.addEventListener("DOMContentLoaded", () => {
  start().catch((error) => connection(false, error));
});
