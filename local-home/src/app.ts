/**
 * The Local Home SDK app (one JavaScript file, hosted by the Developer Console): a Google
 * speaker or display on the home's LAN runs it and sends QUERY and EXECUTE to the LAN bridge.
 * docs/local-fulfillment.md
 */

/// <reference types="@google/local-home-sdk" />

import { execute, identify, query, reachableDevices } from "./handlers";

const VERSION = "1.0.0";

const app = new smarthome.App(VERSION);
const devices = (): smarthome.DeviceManager => app.getDeviceManager();

app
  .onIdentify((request) => identify(devices(), request))
  .onReachableDevices((request) => reachableDevices(devices(), request))
  .onQuery((request) => query(devices(), request))
  .onExecute((request) => execute(devices(), request))
  .listen()
  .then(() => console.log(`smarthome local app ${VERSION} ready`))
  .catch((error: unknown) => console.error("smarthome local app failed to start", error));
