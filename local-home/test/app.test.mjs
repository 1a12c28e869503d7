// The built app (dist/app.js) on the fake Local Home platform, against a stub bridge speaking the
// local protocol over real HTTP on 127.0.0.1. The end-to-end tests with the real bridge process
// are tests/integration/test_local_fulfillment_e2e.py.

import assert from "node:assert/strict";
import http from "node:http";
import { dirname, join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import { LocalHomePlatform } from "../fake-platform/platform.mjs";

const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "app.js");
const SECRET = "s3cret-for-tests";
const HUB = "hub-test";
const C = "action.devices.commands.";

/** A stub bridge: checks the secret, answers the local protocol, records what it got. */
function stubBridge() {
  const bridge = { received: [], mode: "ok", dnd: false };
  bridge.server = http.createServer((request, response) => {
    const chunks = [];
    request.on("data", (c) => chunks.push(c));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || "{}");
      bridge.received.push({ headers: request.headers, path: request.url, body });
      const reply = (status, value) => {
        response.writeHead(status, { "Content-Type": "application/json" });
        response.end(typeof value === "string" ? value : JSON.stringify(value));
      };
      if (request.headers.authorization !== `Bearer ${SECRET}`) {
        return reply(401, { error: "unauthorized" });
      }
      if (bridge.mode === "garbage") return reply(200, "not json");
      const { intent, payload } = body.inputs[0];
      if (intent === "action.devices.REACHABLE_DEVICES") {
        return reply(200, {
          requestId: body.requestId,
          payload: { devices: [{ verificationId: "lamp" }, { verificationId: "ghost" }] },
        });
      }
      if (intent === "action.devices.QUERY") {
        const devices = {};
        for (const { id } of payload.devices) devices[id] = { online: true, on: bridge.dnd };
        return reply(200, { requestId: body.requestId, payload: { devices } });
      }
      if (bridge.mode === "challenge") {
        return reply(200, {
          requestId: body.requestId,
          payload: { commands: [{ ids: ["lamp"], status: "ERROR", errorCode: "challengeNeeded" }] },
        });
      }
      bridge.dnd = payload.commands[0].execution[0].params.on;
      return reply(200, {
        requestId: body.requestId,
        payload: {
          commands: [{ ids: ["lamp"], status: "SUCCESS", states: { online: true, on: bridge.dnd } }],
        },
      });
    });
  });
  return bridge;
}

function synced(port) {
  return [
    {
      id: "lamp",
      otherDeviceIds: [{ deviceId: "lamp" }],
      customData: { hub: HUB, port, secret: SECRET },
    },
    { id: "cloud-only" },
  ];
}

const scanData = (hub = HUB, v = "1") => ({
  serviceName: `${hub}._smarthome-hub._tcp.local`,
  name: hub,
  type: "_smarthome-hub",
  protocol: "tcp",
  data: [`hub=${hub}`, `v=${v}`],
  txt: { hub, v },
});

const onOff = (on) => [{ devices: ["lamp"], execution: [{ command: `${C}OnOff`, params: { on } }] }];

describe("the local fulfillment app", () => {
  let bridge;
  let port;
  let platform;
  let cloudRequests;

  before(async () => {
    bridge = stubBridge();
    await new Promise((resolve) => bridge.server.listen(0, "127.0.0.1", resolve));
    port = bridge.server.address().port;
  });
  after(() => bridge.server.close());

  beforeEach(() => {
    bridge.received = [];
    bridge.mode = "ok";
    cloudRequests = [];
    platform = new LocalHomePlatform({
      cloud: async (request) => {
        cloudRequests.push(request);
        return { requestId: request.requestId, payload: { commands: [], devices: {} } };
      },
    });
    platform.load(BUNDLE).sync(synced(port));
  });

  it("identifies the bridge from its mDNS scan data as a local-only proxy", async () => {
    const learnt = await platform.scan(scanData(), "127.0.0.1");
    assert.deepEqual(learnt.identified.payload.device.id, HUB);
    assert.equal(learnt.identified.payload.device.isProxy, true);
    assert.equal(learnt.identified.payload.device.isLocalOnly, true);
    assert.deepEqual(learnt.local, ["lamp"]);
    assert.deepEqual(learnt.unmatched, ["ghost"]);
  });

  it("does not identify another service or another home's bridge", async () => {
    for (const data of [
      { ...scanData(), serviceName: "x._googlecast._tcp.local" },
      scanData("hub-of-the-neighbours"),
      scanData(HUB, "2"),
    ]) {
      await assert.rejects(platform.scan(data, "127.0.0.1"), (error) => {
        assert.equal(error.errorCode, "DEVICE_NOT_IDENTIFIED");
        return true;
      });
    }
    assert.equal(bridge.received.length, 0);
  });

  it("executes locally, the secret in a header and never in a body", async () => {
    await platform.scan(scanData(), "127.0.0.1");
    const result = await platform.execute(onOff(true));
    assert.equal(result.path, "local", JSON.stringify(result));
    assert.deepEqual(result.response.payload.commands, [
      { ids: ["lamp"], status: "SUCCESS", states: { online: true, on: true } },
    ]);
    const execute = bridge.received.at(-1);
    assert.equal(execute.path, "/smarthome/local");
    assert.equal(execute.headers.authorization, `Bearer ${SECRET}`);
    assert.ok(!JSON.stringify(execute.body).includes(SECRET));
    assert.equal(execute.body.requestId, result.response.requestId);
    assert.equal(cloudRequests.length, 0);
  });

  it("queries locally", async () => {
    await platform.scan(scanData(), "127.0.0.1");
    bridge.dnd = true;
    const result = await platform.query(["lamp"]);
    assert.equal(result.path, "local");
    assert.deepEqual(result.response.payload.devices, { lamp: { online: true, on: true } });
  });

  it("falls back to the cloud, same request id, when the bridge declines for verification", async () => {
    await platform.scan(scanData(), "127.0.0.1");
    bridge.mode = "challenge";
    const result = await platform.execute(onOff(false), "r-challenge");
    assert.equal(result.path, "cloud");
    assert.equal(result.localError.errorCode, "challengeNeeded");
    assert.equal(cloudRequests[0].requestId, "r-challenge");
  });

  it("falls back to the cloud when the secret is refused, the answer is garbage or the bridge is gone", async () => {
    await platform.scan(scanData(), "127.0.0.1");
    platform.sync(synced(port).map((d) => (d.customData ? { ...d, customData: { ...d.customData, secret: "wrong" } } : d)));
    const refused = await platform.execute(onOff(true));
    assert.equal(refused.path, "cloud");
    assert.equal(refused.localError.errorCode, "authFailure");

    platform.sync(synced(port));
    bridge.mode = "garbage";
    const garbage = await platform.query(["lamp"]);
    assert.equal(garbage.path, "cloud");

    platform.sync(synced(port));
    platform.proxies.set(HUB, "127.0.0.1");
    const closed = http.createServer();
    await new Promise((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = closed.address().port;
    await new Promise((resolve) => closed.close(resolve));
    platform.sync(synced(deadPort));
    const unreachable = await platform.execute(onOff(true));
    assert.equal(unreachable.path, "cloud");
    assert.equal(unreachable.localError.errorCode, "GENERIC_ERROR");
    assert.equal(cloudRequests.length, 3);
  });

  it("sends a device with no local path to the cloud without asking the app", async () => {
    await platform.scan(scanData(), "127.0.0.1");
    const before = bridge.received.length;
    const result = await platform.execute([
      { devices: ["cloud-only"], execution: [{ command: `${C}OnOff`, params: { on: true } }] },
    ]);
    assert.equal(result.path, "cloud");
    assert.equal(bridge.received.length, before);
  });
});
