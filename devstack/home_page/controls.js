// The controls of one device, from Google's SYNC answer: one per common trait, and a form for any
// command of any trait the device declares. Each calls execute(id, {command, params}).
"use strict";

import { el, short } from "./dom.js";

const C = "action.devices.commands.";

export function controls(id, sync, entry, { catalogue, execute, query }) {
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
  const queryButton = el("button", { type: "button", class: "quiet", title: `Send QUERY for ${sync.name.name}` }, "QUERY");
  queryButton.addEventListener("click", () => query([id]));
  add(queryButton);
  add(anyCommand(id, sync, traits, catalogue, execute));
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

function anyCommand(id, sync, traits, catalogue, execute) {
  const commands = [...traits].flatMap((t) => (catalogue[t] || []).map((c) => C + c));
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
