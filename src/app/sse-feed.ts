import type { FleetView } from "./view.js";

/**
 * The page in `picoclaw-fleet dashboard`: server-sent events from the page's own origin, one event
 * per kind (status, run, leds), each a JSON body drawn as a tool result would be. EventSource
 * reconnects by itself; the line at the top says when the feed is down.
 */
export function connectDashboard(view: FleetView): void {
  const events = new EventSource("events");
  view.say("connecting…");
  events.onopen = () => view.say("● live");
  events.onerror = () => view.say("○ feed lost: reconnecting… (is picoclaw-fleet dashboard still running?)");
  events.addEventListener("status", (e) => view.show({ kind: "status", value: JSON.parse((e as MessageEvent<string>).data) }));
  events.addEventListener("run", (e) => view.show({ kind: "run", value: JSON.parse((e as MessageEvent<string>).data) }));
  events.addEventListener("leds", (e) => view.show({ kind: "leds", value: JSON.parse((e as MessageEvent<string>).data) }));
}
