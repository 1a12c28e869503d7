// The device backend's side of the page: what a maker's backend writes to Firestore (states,
// Report State on or off, names, device errors, events, new devices), through the page's server.
"use strict";

import { api, el, json, short } from "./dom.js";

export function backendPanel(id, doc, entry) {
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

export function setUpAddDevice(templates) {
  const form = document.getElementById("add-device");
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
}
