// The Modbus TCP connector: one poll loop per device (see device-poller.ts), their states folded into one
// connector state (up while any device answers). Every poll emits every value, changed or not: Modbus has no
// report-by-exception, and dropping unchanged values is normalization's deadband, which also knows the signal's
// tolerance.
import type { Connector, ConnectorContext, ConnectorState } from '../types';
import type { ModbusConnectorConfig } from './config';
import { DevicePoller } from './device-poller';
import { createModbusMetrics } from './metrics';

export function createModbusConnector(config: ModbusConnectorConfig): Connector {
  return new ModbusConnector(config);
}

class ModbusConnector implements Connector {
  readonly kind = 'modbus';
  readonly id: string;
  private pollers: DevicePoller[] = [];
  private context: ConnectorContext | undefined;

  constructor(private readonly config: ModbusConnectorConfig) {
    this.id = config.id;
  }

  async start(context: ConnectorContext): Promise<void> {
    if (this.context !== undefined) throw new Error(`modbus connector ${this.id} is already running`);
    this.context = context;
    const metrics = createModbusMetrics(context.registry, this.id);
    const states = new DeviceStates(
      this.config.devices.map((device) => device.id),
      context,
    );
    context.setState('starting');
    this.pollers = this.config.devices.map((device) => {
      const sourceId = `modbus/${this.id}/${device.id}`;
      return new DevicePoller(device, {
        sourceId,
        logger: context.logger,
        metrics,
        emit: (samples) => context.emit(sourceId, samples),
        reject: (input) => context.reject(input),
        status: (up, reason) => states.update(device.id, up, reason),
      });
    });
    for (const poller of this.pollers) poller.start();
    context.logger.info(
      {
        connector: this.id,
        devices: this.config.devices.map((device) => `${device.id}@${device.host}:${device.port}`),
      },
      'modbus connector started',
    );
  }

  async stop(): Promise<void> {
    const context = this.context;
    if (context === undefined) return;
    this.context = undefined;
    await Promise.all(this.pollers.map((poller) => poller.stop()));
    this.pollers = [];
    context.setState('stopped');
  }
}

/**
 * Folds device states into the connector's: connected while any device answers (a press that is switched off must
 * not mark its hall's connector down), disconnected once none does, starting until one has answered or failed.
 * The detail names the devices down; kiln_modbus_device_up shows each device.
 */
class DeviceStates {
  private readonly devices = new Map<string, { up: boolean; reason?: string } | undefined>();
  private last = '';

  constructor(
    deviceIds: readonly string[],
    private readonly context: ConnectorContext,
  ) {
    for (const id of deviceIds) this.devices.set(id, undefined);
  }

  update(device: string, up: boolean, reason?: string): void {
    this.devices.set(device, reason === undefined ? { up } : { up, reason });
    const known = [...this.devices.values()].filter((status) => status !== undefined);
    const down = [...this.devices].filter(([, status]) => status !== undefined && !status.up);
    let state: ConnectorState;
    if (known.some((status) => status.up)) state = 'connected';
    else state = down.length > 0 ? 'disconnected' : 'starting';
    const detail =
      down.length === 0
        ? undefined
        : `${down.length} of ${this.devices.size} devices down: ${down
            .map(([id, status]) => `${id} (${status?.reason ?? 'down'})`)
            .join('; ')}`;
    const key = `${state}|${detail ?? ''}`;
    if (key === this.last) return;
    this.last = key;
    this.context.setState(state, detail);
  }
}
