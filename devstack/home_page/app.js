// The local Google Home page: plain JavaScript, no framework, nothing from another host.
// It polls its server (/api/updates) every second and sends intents through it (/api/intent);
// the server plays Google (devstack/home_page.py). docs/local-google-home.md describes the page.
"use strict";

const POLL_MS = 1000;
const FEED_SHOWN = 300;
const FOLLOW_UP_TRAITS = new Set(["LockUnlock", "OpenClose", "ArmDisarm"]);
const T = "action.devices.traits.";
const C = "action.devices.commands.";

const page = {
  setup: null,
  since: 0,
  home: null,
  cards: new Map(), // device id -> {root, signature, updaters, ...}
  pending: new Map(), // device id -> {token, expect, said}
  intents: new Map(), // seq -> <li>
  speaker: null,
};

// --- small helpers ---------------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

function short(name) {
  return String(name || "").split(".").pop();
}

function json(value) {
  return JSON.stringify(value, null, 2);
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function clock(at) {
  return at ? new Date(at).toLocaleTimeString([], { hour12: false }) + "." +
    String(new Date(at).getMilliseconds()).padStart(3, "0") : "";
}

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

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
    const section = sectionFor(structures, `structure-${structure.name}`, "h3", structure.name);
    wanted.push(section);
    const rooms = [];
    for (const room of structure.rooms) {
      const roomNode = sectionFor(section, `room-${structure.name}-${room.name}`, "h4", room.name);
      rooms.push(roomNode);
      const cards = room.devices.map((id) => card(views.get(id)).root);
      placeInOrder(roomNode.querySelector(".devices"), cards);
    }
    placeInOrder(section.querySelector(".devices"), rooms);
  }
  placeInOrder(structures, wanted);
  const only = home.devices.filter((d) => d.verdict === "notInGoogle" || (!d.google.device && d.verdict === "invalid"));
  placeInOrder(document.getElementById("firestore-only"), only.map((v) => card(v).root));
  document.getElementById("firestore-only-hint").hidden = only.length > 0;
  for (const [id, entry] of page.cards) {
    if (!views.has(id)) {
      entry.root.remove();
      page.cards.delete(id);
    }
  }
}

function sectionFor(parent, key, heading, title) {
  const id = "s-" + key.replace(/[^A-Za-z0-9_-]/g, "_");
  let node = document.getElementById(id);
  if (!node) {
    node = el("section", { id, class: heading === "h3" ? "structure" : "room", "aria-labelledby": id + "-title" },
      el(heading, { id: id + "-title", text: title }), el("div", { class: "devices" }));
  }
  return node;
}

function placeInOrder(container, nodes) {
  // Moves only what is out of place, so a focused control keeps its focus.
  nodes.forEach((node, index) => {
    if (container.children[index] !== node) container.insertBefore(node, container.children[index] || null);
  });
  while (container.children.length > nodes.length) container.lastElementChild.remove();
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
    sync ? controls(id, sync, entry) : null,
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

// --- controls: real EXECUTE requests ----------------------------------------------------------

function controls(id, sync, entry) {
  const box = el("div", { class: "controls", role: "group", "aria-label": `Controls of ${sync.name.name}` });
  const attributes = sync.attributes || {};
  const traits = new Set((sync.traits || []).map(short));
  const add = (node, update) => {
    if (!node) return;
    box.append(node);
    if (update) entry.updaters.push(update);
  };
  const send = (command, params) => execute(id, { command: C + command, params });
  const uid = (name) => `${name}-${id}`;

  if (traits.has("OnOff")) {
    const button = el("button", { type: "button", id: uid("onoff"), "aria-pressed": "false" }, "Turn on");
    button.addEventListener("click", () => send("OnOff", { on: button.getAttribute("aria-pressed") !== "true" }));
    add(button, (s) => {
      button.setAttribute("aria-pressed", String(s.on === true));
      button.textContent = s.on ? "Turn off" : "Turn on";
    });
  }
  if (traits.has("Brightness")) {
    add(...rangeControl(uid("brightness"), "Brightness (%)", 0, 100, 1, "brightness",
      (v) => send("BrightnessAbsolute", { brightness: v })));
  }
  if (traits.has("ColorSetting")) {
    const range = attributes.colorTemperatureRange;
    if (range) {
      add(...numberControl(uid("temperature"), "Colour temperature (K)", range.temperatureMinK, range.temperatureMaxK, 100,
        (s) => s.color && s.color.temperatureK, (v) => send("ColorAbsolute", { color: { temperature: v } })));
    }
    if (attributes.colorModel === "rgb" || attributes.colorModel === "hsv") {
      const input = el("input", { type: "color", id: uid("colour") });
      input.addEventListener("change", () => send("ColorAbsolute", { color: { spectrumRGB: parseInt(input.value.slice(1), 16) } }));
      add(el("label", { for: input.id }, "Colour ", input), (s) => {
        if (document.activeElement !== input && s.color && s.color.spectrumRgb !== undefined) {
          input.value = "#" + Number(s.color.spectrumRgb).toString(16).padStart(6, "0");
        }
      });
    }
  }
  if (traits.has("OpenClose")) {
    add(buttons([["Open", () => send("OpenClose", { openPercent: 100 })],
      ["Close", () => send("OpenClose", { openPercent: 0 })]]));
    if (!attributes.discreteOnlyOpenClose) {
      add(...rangeControl(uid("open"), "Open (%)", 0, 100, 1, "openPercent",
        (v) => send("OpenClose", { openPercent: v })));
    }
  }
  if (traits.has("LockUnlock")) {
    add(buttons([["Lock", () => send("LockUnlock", { lock: true })],
      ["Unlock", () => send("LockUnlock", { lock: false })]]));
  }
  if (traits.has("ArmDisarm")) {
    const levels = ((attributes.availableArmLevels || {}).levels || []).map((l) => l.level_name);
    let level = null;
    if (levels.length) {
      level = el("select", { id: uid("armlevel") }, levels.map((l) => el("option", { value: l, text: l })));
      add(el("label", { for: level.id }, "Arm level ", level));
    }
    add(buttons([["Arm", () => send("ArmDisarm", level ? { arm: true, armLevel: level.value } : { arm: true })],
      ["Disarm", () => send("ArmDisarm", { arm: false })]]));
  }
  if (traits.has("TemperatureSetting")) {
    const modes = attributes.availableThermostatModes || [];
    if (modes.length) {
      add(...selectControl(uid("mode"), "Mode", modes, "thermostatMode",
        (v) => send("ThermostatSetMode", { thermostatMode: v })));
    }
    const range = attributes.thermostatTemperatureRange || {};
    add(...numberControl(uid("setpoint"), "Setpoint (°C)", range.minThresholdCelsius, range.maxThresholdCelsius, 0.5,
      (s) => s.thermostatTemperatureSetpoint, (v) => send("ThermostatTemperatureSetpoint", { thermostatTemperatureSetpoint: v })));
    if (modes.includes("heatcool")) {
      const low = el("input", { type: "number", step: "0.5", id: uid("low") });
      const high = el("input", { type: "number", step: "0.5", id: uid("high") });
      add(el("form", { class: "inline", onsubmit: (e) => {
        e.preventDefault();
        send("ThermostatTemperatureSetRange", { thermostatTemperatureSetpointLow: Number(low.value), thermostatTemperatureSetpointHigh: Number(high.value) });
      } }, el("label", { for: low.id }, "Low ", low), el("label", { for: high.id }, "High ", high),
      el("button", { type: "submit" }, "Set range")));
    }
  }
  if (traits.has("FanSpeed")) {
    const speeds = ((attributes.availableFanSpeeds || {}).speeds || []).map((s) => s.speed_name);
    if (speeds.length) {
      add(...selectControl(uid("fan"), "Fan speed", speeds, "currentFanSpeedSetting",
        (v) => send("SetFanSpeed", { fanSpeed: v })));
    }
  }
  if (traits.has("Volume")) {
    add(...rangeControl(uid("volume"), "Volume", 0, attributes.volumeMaxLevel || 100, 1, "currentVolume",
      (v) => send("setVolume", { volumeLevel: v })));
    if (attributes.volumeCanMuteAndUnmute) {
      const mute = el("button", { type: "button", id: uid("mute"), "aria-pressed": "false" }, "Mute");
      mute.addEventListener("click", () => send("mute", { mute: mute.getAttribute("aria-pressed") !== "true" }));
      add(mute, (s) => {
        mute.setAttribute("aria-pressed", String(s.isMuted === true));
        mute.textContent = s.isMuted ? "Unmute" : "Mute";
      });
    }
  }
  if (traits.has("StartStop")) {
    const list = [["Start", () => send("StartStop", { start: true })], ["Stop", () => send("StartStop", { start: false })]];
    if (attributes.pausable) {
      list.push(["Pause", () => send("PauseUnpause", { pause: true })], ["Resume", () => send("PauseUnpause", { pause: false })]);
    }
    add(buttons(list));
  }
  if (traits.has("Scene")) {
    const list = [["Activate", () => send("ActivateScene", { deactivate: false })]];
    if (attributes.sceneReversible) list.push(["Deactivate", () => send("ActivateScene", { deactivate: true })]);
    add(buttons(list));
  }
  if (traits.has("Modes")) {
    for (const mode of attributes.availableModes || []) {
      const settings = (mode.settings || []).map((s) => s.setting_name);
      add(...selectControl(uid(`mode-${mode.name}`), `Mode: ${mode.name}`, settings,
        (s) => (s.currentModeSettings || {})[mode.name],
        (v) => send("SetModes", { updateModeSettings: { [mode.name]: v } })));
    }
  }
  if (traits.has("Toggles")) {
    for (const toggle of attributes.availableToggles || []) {
      const box2 = el("input", { type: "checkbox", id: uid(`toggle-${toggle.name}`) });
      box2.addEventListener("change", () => send("SetToggles", { updateToggleSettings: { [toggle.name]: box2.checked } }));
      add(el("label", { for: box2.id }, box2, ` ${toggle.name}`), (s) => {
        if (document.activeElement !== box2) box2.checked = (s.currentToggleSettings || {})[toggle.name] === true;
      });
    }
  }
  const query = el("button", { type: "button", class: "quiet", title: `Send QUERY for ${sync.name.name}` }, "QUERY");
  query.addEventListener("click", () => queryDevices([id]));
  add(query);
  add(anyCommand(id, sync, traits));
  return box;
}

function buttons(list) {
  return el("span", { class: "buttons" }, list.map(([text, action]) => el("button", { type: "button", onclick: action }, text)));
}

function rangeControl(id, label, min, max, step, key, act) {
  const input = el("input", { type: "range", id, min, max, step, value: min });
  const output = el("output", { for: id });
  input.addEventListener("input", () => { output.value = input.value; });
  input.addEventListener("change", () => act(Number(input.value)));
  return [el("label", { for: id, class: "range" }, `${label} `, input, output), (s) => {
    if (document.activeElement !== input && typeof s[key] === "number") {
      input.value = s[key];
      output.value = s[key];
    }
  }];
}

function numberControl(id, label, min, max, step, read, act) {
  const input = el("input", { type: "number", id, min, max, step });
  const form = el("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); act(Number(input.value)); } },
    el("label", { for: id }, `${label} `, input), el("button", { type: "submit" }, "Set"));
  return [form, (s) => {
    const value = read(s);
    if (document.activeElement !== input && typeof value === "number" && input.dataset.shown !== String(value)) {
      input.value = value;
      input.dataset.shown = String(value);
    }
  }];
}

function selectControl(id, label, options, key, act) {
  const select = el("select", { id }, options.map((o) => el("option", { value: o, text: o })));
  select.addEventListener("change", () => act(select.value));
  const read = typeof key === "function" ? key : (s) => s[key];
  return [el("label", { for: id }, `${label} `, select), (s) => {
    const value = read(s);
    if (document.activeElement !== select && value !== undefined) select.value = value;
  }];
}

function anyCommand(id, sync, traits) {
  const commands = [...traits].flatMap((t) => (page.setup.catalogue[t] || []).map((c) => C + c));
  const select = el("select", { id: `any-command-${id}` }, commands.map((c) => el("option", { value: c, text: short(c) })));
  const params = el("textarea", { id: `any-params-${id}`, rows: 3, spellcheck: "false" }, "{}");
  const result = el("p", { class: "result", role: "status" });
  const form = el("form", { class: "stack", onsubmit: (e) => {
    e.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(params.value || "{}");
    } catch (error) {
      result.textContent = `The params are not JSON: ${error.message}`;
      return;
    }
    result.textContent = "";
    execute(id, { command: select.value, params: parsed });
  } },
  el("label", { for: select.id }, "Command ", select),
  el("label", { for: params.id }, "Params (JSON) ", params),
  el("button", { type: "submit" }, "Send EXECUTE"), result);
  if (!commands.length) return null;
  return el("details", { class: "any", dataset: { part: "any" } }, el("summary", {}, `Any command of ${sync.name.name}`), form);
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

// --- the device backend's side (Firestore) ------------------------------------------------------

function backendPanel(id, doc, entry) {
  const result = el("p", { class: "result", role: "status" });
  const write = async (body, done) => {
    try {
      await api(`/api/devices/${encodeURIComponent(id)}`, body);
      result.textContent = done;
    } catch (error) {
      result.textContent = `Not written: ${error.message}`;
    }
  };
  const uid = (name) => `${name}-${id}`;
  const keys = Object.keys(doc.states || {}).sort();
  const key = el("input", { id: uid("state-key"), list: uid("state-keys"), value: keys.includes("on") ? "on" : keys.find((k) => k !== "online") || "" });
  const value = el("input", { id: uid("state-value"), value: "true", spellcheck: "false" });
  const stateForm = el("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(value.value);
    } catch (error) {
      result.textContent = `The value is not JSON: ${error.message}`;
      return;
    }
    write({ update: { [`states.${key.value}`]: parsed } }, `Wrote states.${key.value} = ${JSON.stringify(parsed)} to Firestore.`);
  } },
  el("datalist", { id: uid("state-keys") }, keys.map((k) => el("option", { value: k }))),
  el("label", { for: key.id }, "State ", key),
  el("label", { for: value.id }, "Value (JSON) ", value),
  el("button", { type: "submit" }, "Write state"));

  const reports = el("input", { type: "checkbox", id: uid("reports") });
  reports.checked = doc.willReportState === true;
  reports.addEventListener("change", () => write({ update: { willReportState: reports.checked } },
    `willReportState is ${reports.checked} in Firestore.`));

  const name = el("input", { id: uid("rename"), value: (doc.name && doc.name.name) || "" });
  const renameForm = el("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault();
    write({ update: { "name.name": name.value } }, `Renamed to ${name.value} in Firestore.`);
  } }, el("label", { for: name.id }, "Name ", name), el("button", { type: "submit" }, "Rename"));

  const errors = ["", "deviceJammingDetected", "inSoftwareUpdate", "deviceTurnedOff", "lowBattery"];
  const error = el("select", { id: uid("device-error") }, errors.map((c) => el("option", { value: c, text: c || "none" })));
  error.value = doc.deviceError || "";
  error.addEventListener("change", () => write({ update: { deviceError: error.value || null } },
    error.value ? `deviceError is ${error.value}.` : "deviceError removed."));

  const parts = [
    stateForm,
    el("label", { for: reports.id, class: "option" }, reports, " Reports state (willReportState)"),
    renameForm,
    el("label", { for: error.id }, "Device error ", error),
  ];
  const traits = (doc.traits || []).map(short);
  if (traits.includes("ObjectDetection")) {
    const who = el("input", { id: uid("visitor"), value: "Alice" });
    parts.push(el("form", { class: "inline", onsubmit: async (e) => {
      e.preventDefault();
      const notification = { detectionTimestamp: Date.now(), objects: who.value ? { named: [who.value] } : { unclassified: 1 } };
      try {
        const answer = await api(`/api/devices/${encodeURIComponent(id)}/events`, { trait: "ObjectDetection", notification });
        result.textContent = `Recorded event ${answer.eventId}; Google is notified in a moment.`;
      } catch (failure) {
        result.textContent = `Not recorded: ${failure.message}`;
      }
    } }, el("label", { for: who.id }, "Visitor ", who), el("button", { type: "submit" }, "Ring the doorbell")));
  }
  const remove = el("button", { type: "button", class: "danger" }, "Delete from Firestore");
  remove.addEventListener("click", () => {
    if (remove.dataset.armed) write({ delete: true }, `Deleted ${id} from Firestore.`);
    else {
      remove.dataset.armed = "1";
      remove.textContent = `Really delete ${id}?`;
    }
  });
  remove.addEventListener("blur", () => {
    delete remove.dataset.armed;
    remove.textContent = "Delete from Firestore";
  });
  parts.push(remove);
  const documentView = el("pre", { class: "json" });
  parts.push(el("details", { dataset: { part: "document" } }, el("summary", {}, "The Firestore document"), documentView));
  entry.backendUpdate = (view) => {
    const shown = json(view.firestore.document);
    if (documentView.textContent !== shown) documentView.textContent = shown;
    const current = view.firestore.document || {};
    if (document.activeElement !== reports) reports.checked = current.willReportState === true;
    if (document.activeElement !== error) error.value = current.deviceError || "";
  };
  return el("details", { class: "backend", dataset: { part: "backend" } },
    el("summary", {}, "Device backend (Firestore)"),
    el("div", { class: "stack" }, parts, result));
}

function setUpForms() {
  const form = document.getElementById("add-device");
  const templates = page.setup.templates;
  const select = form.elements.template;
  for (const name of Object.keys(templates)) select.append(el("option", { value: name, text: name }));
  const fill = () => {
    const template = JSON.parse(JSON.stringify(templates[select.value] || {}));
    template.name = { name: form.elements.name.value };
    if (form.elements.room.value) template.roomHint = form.elements.room.value;
    else delete template.roomHint;
    form.elements.document.value = json(template);
  };
  for (const field of ["template", "name", "room"]) form.elements[field].addEventListener("input", fill);
  fill();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const result = form.querySelector(".result");
    let document_;
    try {
      document_ = JSON.parse(form.elements.document.value);
    } catch (error) {
      result.textContent = `The document is not JSON: ${error.message}`;
      return;
    }
    try {
      await api(`/api/devices/${encodeURIComponent(form.elements.id.value)}`, { set: document_ });
      result.textContent = `Added ${form.elements.id.value} to Firestore; Google lists it after the Request Sync.`;
    } catch (error) {
      result.textContent = `Not added: ${error.message}`;
    }
  });
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
