/**
 * A fake Local Home platform: what a Google speaker does with a local fulfillment app, for tests
 * without a speaker. It implements the SDK interfaces the app uses, as @google/local-home-sdk
 * 1.5.0's type definitions declare them (App, DeviceManager.send / getRegisteredDevices,
 * DataFlow.HttpRequestData, IntentFlow.HandlerError and its subclasses, Constants, Intents), runs
 * the built bundle in its own context, and plays the platform's part:
 *
 *  - sync(devices): the SYNC answer it got from the cloud (ids, customData, otherDeviceIds);
 *  - scan(mdnsScanData, address): IDENTIFY; a proxy is then asked REACHABLE_DEVICES and each
 *    verificationId is matched against the synced devices' otherDeviceIds;
 *  - execute(commands) / query(ids): the local path for devices reached through a proxy, and
 *    the cloud fallback (the same request, the same requestId) when the app fails or answers
 *    something malformed, or a device has no local path.
 *
 * DeviceManager.send speaks real HTTP to the proxy's address. What the real platform does beyond
 * the type definitions (timeouts, non-2xx answers resolved rather than rejected, the fallback's
 * requestId) follows Google's documentation and is listed in docs/local-fulfillment.md.
 */

import { readFileSync } from "node:fs";
import http from "node:http";
import { performance } from "node:perf_hooks";
import vm from "node:vm";

export const DEFAULT_COMMAND_TIMEOUT_MS = 10000;

const Intents = Object.freeze({
  EXECUTE: "action.devices.EXECUTE",
  IDENTIFY: "action.devices.IDENTIFY",
  QUERY: "action.devices.QUERY",
  REACHABLE_DEVICES: "action.devices.REACHABLE_DEVICES",
  PROXY_SELECTED: "action.devices.PROXY_SELECTED",
});

const Constants = Object.freeze({
  HttpOperation: Object.freeze({ GET: "GET", POST: "POST", PUT: "PUT" }),
  Protocol: Object.freeze({ BLE: "BLE", HTTP: "HTTP", TCP: "TCP", UDP: "UDP" }),
  RadioType: Object.freeze({ BLE: "BLE", WIFI: "WIFI" }),
});

export class HandlerError extends Error {
  constructor(requestId, errorCode, debugString) {
    super(debugString ?? errorCode ?? "handler error");
    this.requestId = requestId;
    this.errorCode = errorCode ?? "GENERIC_ERROR";
    this.debugString = debugString;
  }
}
class DeviceNotSupportedError extends HandlerError {
  constructor(requestId, debugString) {
    super(requestId, "DEVICE_NOT_SUPPORTED", debugString);
  }
}
class DeviceNotIdentifiedError extends HandlerError {
  constructor(requestId, debugString) {
    super(requestId, "DEVICE_NOT_IDENTIFIED", debugString);
  }
}
class InvalidRequestError extends HandlerError {
  constructor(requestId, debugString) {
    super(requestId, "INVALID_REQUEST", debugString);
  }
}

class HttpRequestData {
  constructor() {
    this.protocol = Constants.Protocol.HTTP;
  }
}

/** One HTTP exchange with a device on the LAN; resolves HttpResponseData whatever the status. */
function httpSend(address, command, timeoutMs) {
  return new Promise((resolve, reject) => {
    const body = command.data ?? "";
    const headers = { ...(command.additionalHeaders ?? {}) };
    if (command.dataType) headers["Content-Type"] = command.dataType;
    if (command.method !== "GET") headers["Content-Length"] = Buffer.byteLength(body);
    const request = http.request(
      {
        host: address,
        port: command.port ?? 80,
        path: command.path,
        method: command.method,
        headers,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            requestId: command.requestId,
            deviceId: command.deviceId,
            protocol: Constants.Protocol.HTTP,
            httpResponse: {
              statusCode: response.statusCode,
              body: Buffer.concat(chunks).toString("utf8"),
            },
          }),
        );
        response.on("error", (error) =>
          reject(new HandlerError(command.requestId, "GENERIC_ERROR", error.message)),
        );
      },
    );
    request.on("timeout", () => request.destroy(new Error("command timed out")));
    request.on("error", (error) =>
      reject(new HandlerError(command.requestId, "GENERIC_ERROR", error.message)),
    );
    if (command.method !== "GET") request.write(body);
    request.end();
  });
}

/** A value as JSON carries it. */
function plain(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

export class LocalHomePlatform {
  /** `cloud(request)`: the cloud fulfillment's answer to an intent envelope (the fallback). */
  constructor({ cloud = undefined, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS } = {}) {
    this.cloud = cloud;
    this.commandTimeoutMs = commandTimeoutMs;
    this.synced = [];
    this.proxies = new Map(); // proxy id -> LAN address
    this.local = new Map(); // synced device id -> proxy id
    this.handlers = new Map();
    this.sent = []; // every DeviceManager.send command (tests)
    this.logs = [];
    this.ids = 0;
    this.app = undefined;
  }

  /** The SDK's global namespace, as the app sees it. */
  namespace() {
    const platform = this;
    class App {
      constructor(version) {
        this.version = version;
        platform.app = this;
      }
      getDeviceManager() {
        return platform.deviceManager();
      }
      listen() {
        platform.listening = true;
        return Promise.resolve();
      }
      on() {
        return this;
      }
      onIdentify(handler) {
        return this.handle(Intents.IDENTIFY, handler);
      }
      onReachableDevices(handler) {
        return this.handle(Intents.REACHABLE_DEVICES, handler);
      }
      onQuery(handler) {
        return this.handle(Intents.QUERY, handler);
      }
      onExecute(handler) {
        return this.handle(Intents.EXECUTE, handler);
      }
      onProxySelected(handler) {
        return this.handle(Intents.PROXY_SELECTED, handler);
      }
      handle(intent, handler) {
        platform.handlers.set(intent, handler);
        return this;
      }
    }
    return {
      App,
      Constants,
      Intents,
      DataFlow: { HttpRequestData },
      IntentFlow: {
        HandlerError,
        DeviceNotSupportedError,
        DeviceNotIdentifiedError,
        InvalidRequestError,
      },
    };
  }

  /** Run the built bundle (dist/app.js) in a context of its own, with the SDK's globals. */
  load(bundlePath) {
    const log = (level) => (...args) => this.logs.push({ level, args: args.map(String) });
    const context = vm.createContext({
      smarthome: this.namespace(),
      console: { log: log("log"), error: log("error"), warn: log("warn") },
    });
    vm.runInContext(readFileSync(bundlePath, "utf8"), context, { filename: bundlePath });
    if (!this.listening) throw new Error("the app never called listen()");
    return this;
  }

  deviceManager() {
    const platform = this;
    return {
      send(command, options = {}) {
        return platform.send(command, options);
      },
      getRegisteredDevices() {
        return platform.synced.map(({ id, customData }) => ({ id, customData }));
      },
      getProxyInfo(id) {
        return { proxyDeviceId: platform.local.get(id), targetDeviceId: id };
      },
      markPending() {
        return Promise.resolve();
      },
      reportState() {
        return undefined;
      },
    };
  }

  async send(command, options) {
    this.sent.push(command);
    if (!(command instanceof HttpRequestData)) {
      throw new HandlerError(command.requestId, "INVALID_REQUEST", "only HTTP commands here");
    }
    const proxy = this.proxies.has(command.deviceId)
      ? command.deviceId
      : this.local.get(command.deviceId);
    if (proxy === undefined) {
      throw new HandlerError(command.requestId, "DEVICE_NOT_FOUND", "no local path to device");
    }
    const timeout = Math.max(1000, options.commandTimeout ?? this.commandTimeoutMs);
    return httpSend(this.proxies.get(proxy), command, timeout);
  }

  requestId() {
    this.ids += 1;
    return `local-${process.pid}-${this.ids}-${Date.now()}`;
  }

  sync(devices) {
    this.synced = devices.map((d) => ({ ...d }));
    return this;
  }

  /** IDENTIFY (then REACHABLE_DEVICES for a proxy); returns what the platform learnt. */
  async scan(mdnsScanData, address) {
    const identifyRequest = {
      requestId: this.requestId(),
      inputs: [
        { intent: Intents.IDENTIFY, payload: { device: { mdnsScanData }, structureData: {} } },
      ],
      devices: this.deviceManager().getRegisteredDevices(),
    };
    const identified = plain(await this.handlers.get(Intents.IDENTIFY)(identifyRequest));
    const device = identified?.payload?.device;
    if (identified?.requestId !== identifyRequest.requestId || !device) {
      throw new Error(`malformed IDENTIFY response: ${JSON.stringify(identified)}`);
    }
    if (!device.isProxy) {
      const match = this.matching(device.verificationId);
      if (match) this.local.set(match.id, match.id);
      return { identified, reachable: undefined, local: [...this.local.keys()] };
    }
    if (!device.id || !device.isLocalOnly) {
      throw new Error("a proxy that is not in SYNC must answer its id and isLocalOnly");
    }
    this.proxies.set(device.id, address);
    const reachableRequest = {
      requestId: this.requestId(),
      inputs: [
        {
          intent: Intents.REACHABLE_DEVICES,
          payload: { device: { id: device.id, customData: {} }, structureData: {} },
        },
      ],
      devices: this.deviceManager().getRegisteredDevices(),
    };
    const reachable = plain(await this.handlers.get(Intents.REACHABLE_DEVICES)(reachableRequest));
    if (reachable?.requestId !== reachableRequest.requestId) {
      throw new Error(`malformed REACHABLE_DEVICES response: ${JSON.stringify(reachable)}`);
    }
    const unmatched = [];
    for (const { verificationId } of reachable.payload?.devices ?? []) {
      const match = this.matching(verificationId);
      if (match) this.local.set(match.id, device.id);
      else unmatched.push(verificationId);
    }
    return { identified, reachable, local: [...this.local.keys()], unmatched };
  }

  /** The synced device whose otherDeviceIds name `verificationId`. */
  matching(verificationId) {
    return this.synced.find((d) =>
      (d.otherDeviceIds ?? []).some((other) => other.deviceId === verificationId),
    );
  }

  /** Forget local paths (the platform's rescan after a proxy went away). */
  forget() {
    this.proxies.clear();
    this.local.clear();
  }

  metadata(id) {
    const device = this.synced.find((d) => d.id === id);
    return device?.customData === undefined ? { id } : { id, customData: device.customData };
  }

  async execute(commands, requestId = this.requestId()) {
    const request = {
      requestId,
      inputs: [
        {
          intent: Intents.EXECUTE,
          payload: {
            commands: commands.map((c) => ({
              devices: c.devices.map((id) => this.metadata(id)),
              execution: c.execution,
            })),
            structureData: {},
          },
        },
      ],
    };
    const ids = commands.flatMap((c) => c.devices);
    return this.fulfil(Intents.EXECUTE, request, ids, (answer) =>
      Array.isArray(answer?.payload?.commands),
    );
  }

  async query(ids, requestId = this.requestId()) {
    const request = {
      requestId,
      inputs: [
        {
          intent: Intents.QUERY,
          payload: { devices: ids.map((id) => this.metadata(id)), structureData: {} },
        },
      ],
    };
    return this.fulfil(Intents.QUERY, request, ids, (answer) =>
      Boolean(answer?.payload?.devices && typeof answer.payload.devices === "object"),
    );
  }

  /** The local path when every device has one; the cloud when it fails or is absent. */
  async fulfil(intent, request, ids, wellFormed) {
    const started = performance.now();
    let localError;
    if (ids.every((id) => this.local.has(id))) {
      try {
        // The platform takes the app's answer as JSON (and leaves the app's realm).
        const answer = plain(await this.handlers.get(intent)(request));
        if (answer?.requestId === request.requestId && wellFormed(answer)) {
          return { path: "local", response: answer, ms: performance.now() - started };
        }
        localError = { errorCode: "INVALID_RESPONSE", debugString: JSON.stringify(answer) };
      } catch (error) {
        localError = { errorCode: error?.errorCode ?? "GENERIC_ERROR", debugString: error?.message };
      }
    }
    if (this.cloud === undefined) {
      return { path: "none", localError, ms: performance.now() - started };
    }
    const cloudStarted = performance.now();
    const response = await this.cloud(request);
    return {
      path: "cloud",
      localError,
      response,
      ms: performance.now() - started,
      cloudMs: performance.now() - cloudStarted,
    };
  }
}

/** The cloud fallback: POST the intent envelope to the fulfillment with the user's token. */
export function cloudFulfillment(url, token) {
  return async (request) => {
    const answer = await fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(request),
    });
    return answer.json();
  };
}
