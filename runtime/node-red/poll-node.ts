// The shared body of the polling nodes (ecl-controller, meter-reader): start a poll loop over the
// node's selection, forward polls and online/offline transitions, keep a short status, stop on close.
import { heatgridServices } from '../services.ts';
import { pollTopic } from '../readings.ts';
import type { PollLoopOptions } from '../fleet/poll-loop.ts';
import type { NodeRedApi, RuntimeNode } from './node-api.ts';
import { describeSelection, selectionFromConfig, type SelectionConfig } from './selection-config.ts';

export interface PollNodeConfig extends SelectionConfig {
  name?: string;
  cadence?: string | number;
  offlineAfter?: string | number;
}

function seconds(value: string | number | undefined, fallback: number, min: number, max: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= min && n <= max ? n : fallback;
}

export function startPollNode(RED: NodeRedApi, node: RuntimeNode, config: PollNodeConfig, defaults: { cadenceS: number }, extra: Partial<PollLoopOptions> = {}): void {
  let services;
  let selection;
  try {
    services = heatgridServices();
    selection = selectionFromConfig(config);
    if (!services.fleet) throw new Error('the fleet service is not running');
  } catch (err) {
    node.status({ fill: 'red', shape: 'ring', text: (err as Error).message });
    node.error(err as Error);
    return;
  }
  const fleet = services.fleet;
  const cadenceS = seconds(config.cadence, defaults.cadenceS, 1, 86_400);
  const loop = fleet.createPollLoop(selection, {
    ...extra,
    cadenceMs: cadenceS * 1000,
    offlineAfterMs: seconds(config.offlineAfter, cadenceS * 3, cadenceS, 86_400) * 1000,
  });
  let polls = 0;
  loop.on('poll', (payload) => {
    polls++;
    node.send([{ topic: pollTopic(payload.device.id), payload }, null]);
  });
  loop.on('status', (transition) => {
    node.send([null, { topic: pollTopic(transition.device), payload: transition }]);
  });
  loop.on('error', (err) => node.error(err));

  // Status text at most once a second: 10,000 devices must not mean 1,000 status events per second.
  const statusTimer = setInterval(() => {
    const ids = loop.deviceIds();
    let online = 0;
    let offline = 0;
    for (const id of ids) {
      const state = fleet.statuses.statusOf(id);
      if (state === 'online') online++;
      else if (state === 'offline') offline++;
    }
    const text = RED._('heatgrid-poll.status', { devices: ids.length, online, offline, polls });
    node.status({ fill: ids.length === 0 ? 'grey' : offline > 0 ? 'yellow' : 'green', shape: online > 0 ? 'dot' : 'ring', text });
  }, 1000);
  node.status({ fill: 'grey', shape: 'ring', text: describeSelection(selection) });
  loop.start();

  node.on('input', (msg, _send, done) => {
    // An input with a device id polls that device now; anything else polls nothing and is an error.
    const id = typeof msg.payload === 'string' ? msg.payload : (msg.payload as { device?: string } | undefined)?.device;
    if (!id) return done(new Error('send msg.payload = "<device id>" to poll a device now'));
    loop.pollNow(id).then(() => done(), (err: Error) => done(err));
  });
  node.on('close', (_removed, done) => {
    clearInterval(statusTimer);
    fleet.release(loop).then(done, done);
  });
}
