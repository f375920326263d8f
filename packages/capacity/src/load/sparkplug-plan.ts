// How the generated plant becomes Sparkplug edge nodes: each asset a device (its id the asset's name, its metrics
// the signal names), the devices dealt out to a few edge nodes, and on the first node a probe device with the probe
// signals. Normalization maps `sparkplug/<group>/<node>/<device>` + metric back onto the plant (plant.ts).
import { TAG_ROOT } from '../plant';
import type { SparkplugLoadSetup } from './protocol';
import type { SparkplugDevice } from './sparkplug-edge-node';

/** The load's setup, with the plant's load tags in place of the devices built from them. */
export type SparkplugPlanInput = Omit<SparkplugLoadSetup, 'channel' | 'devices'> & {
  /** The plant's load tags, `<TAG_ROOT>/<asset>/<signal>`, asset by asset (plant.ts loadTags). */
  readonly tags: readonly string[];
};

/** Devices from the load tags: one per asset, in the order the tags name them. */
export function devicesOf(tags: readonly string[]): SparkplugDevice[] {
  const byAsset = new Map<string, string[]>();
  for (const tag of tags) {
    const [root, asset, signal, ...rest] = tag.split('/');
    if (root !== TAG_ROOT || asset === undefined || signal === undefined || rest.length > 0) {
      throw new Error(`load tag '${tag}' is not ${TAG_ROOT}/<asset>/<signal>`);
    }
    const metrics = byAsset.get(asset);
    if (metrics === undefined) byAsset.set(asset, [signal]);
    else metrics.push(signal);
  }
  return [...byAsset].map(([deviceId, metrics]) => ({ deviceId, metrics }));
}

export function sparkplugLoadSetup(input: SparkplugPlanInput): SparkplugLoadSetup {
  const { tags, ...rest } = input;
  return { channel: 'sparkplug', ...rest, devices: devicesOf(tags) };
}

export interface EdgeNodePlan {
  readonly edgeNodeId: string;
  readonly devices: readonly SparkplugDevice[];
  readonly probe: SparkplugDevice | undefined;
}

/**
 * Device i to edge node i mod n, no more nodes than devices. The probe device is on the first node only: one source
 * id keeps the probes in one partition, in order, so none becomes visible after a later one (the latency poller
 * reads rows newer than the newest it saw, and would miss it: the late probes, the ones p99 is about).
 */
export function assignDevices(
  setup: Pick<SparkplugLoadSetup, 'devices' | 'probeDeviceId' | 'probeMetrics' | 'edgeNodes'>,
): EdgeNodePlan[] {
  const count = Math.max(1, Math.min(setup.edgeNodes, setup.devices.length));
  const probe =
    setup.probeMetrics.length === 0
      ? undefined
      : { deviceId: setup.probeDeviceId, metrics: setup.probeMetrics };
  return Array.from({ length: count }, (_, n) => ({
    edgeNodeId: `node-${n}`,
    devices: setup.devices.filter((_, i) => i % count === n),
    probe: n === 0 ? probe : undefined,
  }));
}

/** For the mode's log line: the DDATA size and the message rates the sample rates come to. */
export function sparkplugLoadNote(metricsPerMessage: number, samplesPerS: readonly number[]): string {
  const messages = samplesPerS
    .map((rate) => Math.round(rate / metricsPerMessage).toLocaleString('en-US'))
    .join(', ');
  return `, ${metricsPerMessage} metrics per DDATA message: ${messages} messages/s (probes aside)`;
}
