/**
 * The intent handlers: IDENTIFY and REACHABLE_DEVICES make the bridge a proxy (hub) for the
 * devices it serves; QUERY and EXECUTE go to it over the LAN through the DeviceManager.
 *
 * Any failure to reach the bridge, a refused secret, or a command the bridge declines because it
 * needs secondary user verification rejects the handler's promise with a HandlerError: Google
 * then sends the same intent to the cloud fulfillment (local fulfillment's fallback).
 * https://developers.home.google.com/local-home/fulfillment-app
 */

import {
  CHALLENGE_NEEDED,
  envelope,
  HubData,
  hubData,
  PATH,
  PROTOCOL_VERSION,
  SERVICE_TYPE,
} from "./protocol";

type Request = { requestId: string };

/** A HandlerError: the platform logs it and falls back to the cloud path. */
function failure(request: Request, code: string, message: string): Error {
  return new smarthome.IntentFlow.HandlerError(request.requestId, code, message);
}

/** The hub data the synced devices carry for `hubId`, or undefined. */
function hubFor(dm: smarthome.DeviceManager, hubId: string): HubData | undefined {
  for (const device of dm.getRegisteredDevices()) {
    const hub = hubData(device.customData);
    if (hub !== undefined && hub.hub === hubId) {
      return hub;
    }
  }
  return undefined;
}

/** POST an intent to the bridge; its `payload`, or a HandlerError. */
async function ask(
  dm: smarthome.DeviceManager,
  request: Request,
  deviceId: string,
  hub: HubData,
  intent: string,
  payload: unknown,
): Promise<Record<string, unknown>> {
  const command = new smarthome.DataFlow.HttpRequestData();
  command.requestId = request.requestId;
  command.deviceId = deviceId;
  command.method = smarthome.Constants.HttpOperation.POST;
  command.port = hub.port;
  command.path = PATH;
  command.dataType = "application/json";
  command.data = JSON.stringify(envelope(request.requestId, intent, payload));
  command.additionalHeaders = { Authorization: `Bearer ${hub.secret}` };
  let result: smarthome.DataFlow.HttpResponseData;
  try {
    result = (await dm.send(command)) as smarthome.DataFlow.HttpResponseData;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw failure(request, "GENERIC_ERROR", `bridge unreachable: ${reason}`);
  }
  const { statusCode, body } = result.httpResponse;
  if (statusCode === 401) {
    throw failure(request, "authFailure", "the bridge refused the local secret");
  }
  if (statusCode !== 200) {
    throw failure(request, "GENERIC_ERROR", `the bridge answered HTTP ${statusCode}`);
  }
  let answer: unknown;
  try {
    answer = typeof body === "string" ? JSON.parse(body) : body;
  } catch {
    throw failure(request, "GENERIC_ERROR", "the bridge's answer is not JSON");
  }
  const inner = (answer as { payload?: unknown } | null)?.payload;
  if (typeof inner !== "object" || inner === null) {
    throw failure(request, "GENERIC_ERROR", "the bridge's answer has no payload");
  }
  return inner as Record<string, unknown>;
}

/** Devices grouped by the hub their customData names; a device without one fails the intent. */
function byHub(
  request: Request,
  devices: smarthome.IntentFlow.DeviceMetadata[],
): Map<string, { hub: HubData; ids: string[] }> {
  const groups = new Map<string, { hub: HubData; ids: string[] }>();
  for (const device of devices) {
    const hub = hubData(device.customData);
    if (hub === undefined) {
      throw failure(request, "DEVICE_VERIFICATION_FAILED", `${device.id} has no local hub`);
    }
    const group = groups.get(hub.hub) ?? { hub, ids: [] };
    if (!group.ids.includes(device.id)) {
      group.ids.push(device.id);
    }
    groups.set(hub.hub, group);
  }
  return groups;
}

export function identify(
  dm: smarthome.DeviceManager,
  request: smarthome.IntentFlow.IdentifyRequest,
): smarthome.IntentFlow.IdentifyResponse {
  const scan = request.inputs[0]?.payload?.device?.mdnsScanData;
  if (scan === undefined || !`${scan.serviceName ?? ""}`.includes(`.${SERVICE_TYPE}.`)) {
    throw new smarthome.IntentFlow.DeviceNotIdentifiedError(
      request.requestId,
      "not a smart-home bridge",
    );
  }
  const txt = scan.txt ?? {};
  if (txt.v !== PROTOCOL_VERSION || !txt.hub) {
    throw new smarthome.IntentFlow.DeviceNotIdentifiedError(
      request.requestId,
      `unsupported bridge protocol ${txt.v ?? "(none)"}`,
    );
  }
  if (hubFor(dm, txt.hub) === undefined) {
    // Another home's bridge on the same LAN, or a SYNC that has not listed its devices yet.
    throw new smarthome.IntentFlow.DeviceNotIdentifiedError(
      request.requestId,
      "no synced device is served by this bridge",
    );
  }
  return {
    intent: smarthome.Intents.IDENTIFY,
    requestId: request.requestId,
    payload: {
      device: {
        id: txt.hub,
        isProxy: true,
        isLocalOnly: true,
        deviceInfo: {
          manufacturer: "smarthome-backend",
          model: "LAN bridge",
          hwVersion: "",
          swVersion: txt.sw ?? "",
        },
      },
    },
  };
}

/** The proxy's id in a REACHABLE_DEVICES request (documented `device.id`; older builds sent
 * `device.proxyDevice.id`). */
function proxyId(device: smarthome.IntentFlow.LocalIdentifiedDevice): string | undefined {
  const legacy = (device as { proxyDevice?: { id?: string } }).proxyDevice;
  return device.id || legacy?.id;
}

export async function reachableDevices(
  dm: smarthome.DeviceManager,
  request: smarthome.IntentFlow.ReachableDevicesRequest,
): Promise<smarthome.IntentFlow.ReachableDevicesResponse> {
  const id = proxyId(request.inputs[0].payload.device);
  const hub = id === undefined ? undefined : hubFor(dm, id);
  if (id === undefined || hub === undefined) {
    throw failure(request, "DEVICE_VERIFICATION_FAILED", "unknown proxy");
  }
  const payload = await ask(dm, request, id, hub, "action.devices.REACHABLE_DEVICES", {});
  const devices = Array.isArray(payload.devices) ? payload.devices : [];
  return {
    intent: smarthome.Intents.REACHABLE_DEVICES,
    requestId: request.requestId,
    payload: {
      devices: devices
        .filter((d): d is { verificationId: string } => typeof d?.verificationId === "string")
        .map((d) => ({ verificationId: d.verificationId })),
    },
  };
}

export async function query(
  dm: smarthome.DeviceManager,
  request: smarthome.IntentFlow.QueryRequest,
): Promise<smarthome.IntentFlow.QueryResponse> {
  const groups = byHub(request, request.inputs[0].payload.devices);
  const states: Record<string, unknown> = {};
  for (const { hub, ids } of groups.values()) {
    // customData (with the secret) never travels in a body: only the ids do.
    const payload = await ask(dm, request, ids[0], hub, "action.devices.QUERY", {
      devices: ids.map((id) => ({ id })),
    });
    Object.assign(states, payload.devices ?? {});
  }
  return { requestId: request.requestId, payload: { devices: states } };
}

export async function execute(
  dm: smarthome.DeviceManager,
  request: smarthome.IntentFlow.ExecuteRequest,
): Promise<smarthome.IntentFlow.ExecuteResponse> {
  const commands = request.inputs[0].payload.commands;
  const groups = byHub(
    request,
    commands.flatMap((command) => command.devices),
  );
  const results: smarthome.IntentFlow.ExecuteResponseCommands[] = [];
  for (const { hub, ids } of groups.values()) {
    const mine = commands
      .map((command) => ({
        devices: command.devices.filter((d) => ids.includes(d.id)).map((d) => ({ id: d.id })),
        execution: command.execution,
      }))
      .filter((command) => command.devices.length > 0);
    const payload = await ask(dm, request, ids[0], hub, "action.devices.EXECUTE", {
      commands: mine,
    });
    const answered = Array.isArray(payload.commands)
      ? (payload.commands as smarthome.IntentFlow.ExecuteResponseCommands[])
      : [];
    if (answered.some((entry) => entry.errorCode === CHALLENGE_NEEDED)) {
      // Secondary user verification is cloud-only: the cloud asks the user, then runs it.
      throw failure(request, CHALLENGE_NEEDED, "the command needs the user's verification");
    }
    results.push(...answered);
  }
  return { requestId: request.requestId, payload: { commands: results } };
}
