/**
 * The local protocol between this app and the LAN bridge (docs/local-fulfillment.md).
 *
 * The bridge advertises `_smarthome-hub._tcp` over mDNS with TXT `hub=<hub id>` and `v=1`. Each
 * bridged device's SYNC `customData` carries `{hub, port, secret}`; its `otherDeviceIds` hold its
 * own id, the `verificationId` REACHABLE_DEVICES answers. The app POSTs Google's intent envelope
 * (`{requestId, inputs: [{intent, payload}]}`) to `PATH` on the hub's port with
 * `Authorization: Bearer <secret>`; the bridge answers `{requestId, payload}` in Google's shapes.
 */

export const SERVICE_TYPE = "_smarthome-hub._tcp";
export const PROTOCOL_VERSION = "1";
export const PATH = "/smarthome/local";
export const CHALLENGE_NEEDED = "challengeNeeded";

/** What a bridged device's `customData` holds for the local path. */
export interface HubData {
  hub: string;
  port: number;
  secret: string;
}

/** The hub data in a device's `customData`, or undefined when it holds none (or a bad one). */
export function hubData(customData: unknown): HubData | undefined {
  if (typeof customData === "string") {
    try {
      return hubData(JSON.parse(customData));
    } catch {
      return undefined;
    }
  }
  if (typeof customData !== "object" || customData === null) {
    return undefined;
  }
  const data = customData as Record<string, unknown>;
  const { hub, port, secret } = data;
  if (
    typeof hub !== "string" ||
    hub === "" ||
    typeof secret !== "string" ||
    secret === "" ||
    typeof port !== "number" ||
    !Number.isInteger(port) ||
    port < 1 ||
    port > 65535
  ) {
    return undefined;
  }
  return { hub, port, secret };
}

/** Google's intent envelope, as the bridge reads it. */
export interface Envelope {
  requestId: string;
  inputs: Array<{ intent: string; payload: unknown }>;
}

export function envelope(requestId: string, intent: string, payload: unknown): Envelope {
  return { requestId, inputs: [{ intent, payload }] };
}

/** The console the platform provides (Chrome's or Node's); declared, as no DOM or Node types are loaded. */
declare global {
  const console: { log(...args: unknown[]): void; error(...args: unknown[]): void };
}
