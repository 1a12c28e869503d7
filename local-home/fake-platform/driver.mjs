/**
 * The fake Local Home platform behind a line protocol, for the Python tests and the bench:
 * one JSON object a line on stdin, one answer a line on stdout.
 *
 *   {"id": 1, "op": "load", "bundle": "dist/app.js"}
 *   {"id": 2, "op": "cloud", "url": "http://127.0.0.1:5001/", "token": "..."}
 *   {"id": 3, "op": "sync", "devices": [<SYNC devices>]}
 *   {"id": 4, "op": "scan", "mdnsScanData": {...}, "address": "127.0.0.1"}
 *   {"id": 5, "op": "execute", "commands": [{"devices": ["id"], "execution": [...]}]}
 *   {"id": 6, "op": "query", "ids": ["id"]}
 *   {"id": 7, "op": "forget"}      {"id": 8, "op": "logs"}
 *
 * Answers: {"id": 1, "ok": true, "result": ...} or {"id": 1, "ok": false, "error": "..."}.
 */

import { createInterface } from "node:readline";

import { cloudFulfillment, LocalHomePlatform } from "./platform.mjs";

const platform = new LocalHomePlatform();

const operations = {
  load: ({ bundle }) => {
    platform.load(bundle);
    return { handlers: [...platform.handlers.keys()] };
  },
  cloud: ({ url, token }) => {
    platform.cloud = cloudFulfillment(url, token);
    return {};
  },
  sync: ({ devices }) => {
    platform.sync(devices);
    return { devices: devices.length };
  },
  scan: ({ mdnsScanData, address }) => platform.scan(mdnsScanData, address),
  execute: ({ commands, requestId }) => platform.execute(commands, requestId),
  query: ({ ids, requestId }) => platform.query(ids, requestId),
  forget: () => {
    platform.forget();
    return {};
  },
  logs: () => platform.logs,
};

function answer(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const lines = createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    answer({ id: null, ok: false, error: "not JSON" });
    return;
  }
  const operation = operations[message.op];
  if (operation === undefined) {
    answer({ id: message.id, ok: false, error: `unknown op ${message.op}` });
    return;
  }
  try {
    answer({ id: message.id, ok: true, result: await operation(message) });
  } catch (error) {
    answer({ id: message.id, ok: false, error: `${error?.errorCode ?? ""} ${error?.message}` });
  }
});
lines.on("close", () => process.exit(0));
