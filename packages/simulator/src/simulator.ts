// Composition of the simulator: the plant model, the clock that drives it and the protocol servers the
// configuration enables. `kiln simulate` and `src/main.ts` call `startSimulator`.
import type { Logger } from '@kiln/service-kit';
import { startClock, type SimulationClock } from './clock';
import { plantModelConfig, startTimeMs, type SimulatorConfig } from './config';
import { Plant } from './model';
import { ErpDataset } from './erp/dataset';
import { startErpSimulator, type ErpSimulatorHandle } from './erp/erp-server';
import { linkPlantToErp } from './erp/plant-orders';
import { startModbusServer, type ModbusServerHandle } from './modbus/modbus-server';
import { modbusRegisterMap, type ModbusRegisterEntry } from './modbus/register-map';
import { startMqttJsonPublisher, type MqttJsonPublisherHandle } from './mqtt/json-publisher';
import { startSparkplugEdge, type SparkplugEdgeHandle } from './mqtt/sparkplug-edge';
import { startOpcuaServer, type OpcuaServerHandle } from './opcua/opcua-server';

export interface StartSimulatorOptions {
  readonly logger?: Logger;
  /** Do not start the real-time clock: the caller advances `handle.plant` itself (tests). */
  readonly manualClock?: boolean;
}

export interface SimulatorHandle {
  readonly plant: Plant;
  readonly clock?: SimulationClock;
  readonly opcua?: OpcuaServerHandle;
  readonly mqttJson?: MqttJsonPublisherHandle;
  readonly sparkplug?: SparkplugEdgeHandle;
  readonly modbus?: ModbusServerHandle;
  /** The ERP simulator, its books following the plant's orders and shifts. */
  readonly erp?: ErpSimulatorHandle;
  /** Stops the clock and every server, in reverse order of start. */
  stop(): Promise<void>;
}

export async function startSimulator(
  config: SimulatorConfig,
  options: StartSimulatorOptions = {},
): Promise<SimulatorHandle> {
  const { logger } = options;
  const plant = new Plant(plantModelConfig(config), {
    seed: config.seed,
    startTimeMs: startTimeMs(config, Date.now()),
  });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const opcua = config.opcua.enabled ? await startOpcuaServer(plant, config.opcua, logger) : undefined;
    if (opcua !== undefined) stops.push(() => opcua.close());
    const { mqtt } = config;
    const credentials = { url: mqtt.url, username: mqtt.username, password: mqtt.password };
    const mqttJson =
      mqtt.enabled && mqtt.json.enabled
        ? await startMqttJsonPublisher(plant, { ...credentials, ...mqtt.json, plant: config.plant }, logger)
        : undefined;
    if (mqttJson !== undefined) stops.push(() => mqttJson.stop());
    const sparkplug =
      mqtt.enabled && mqtt.sparkplug.enabled
        ? await startSparkplugEdge(plant, { ...credentials, ...mqtt.sparkplug }, logger)
        : undefined;
    if (sparkplug !== undefined) stops.push(() => sparkplug.stop());
    const modbus = config.modbus.enabled ? await startModbusServer(plant, config.modbus, logger) : undefined;
    if (modbus !== undefined) stops.push(() => modbus.stop());
    const erp = config.erp.enabled ? await startPlantErp(plant, config.erp) : undefined;
    if (erp !== undefined) stops.push(() => erp.close());
    const clock = options.manualClock
      ? undefined
      : startClock(plant, { speedFactor: config.speedFactor, tickMs: config.tickMs });
    if (clock !== undefined) stops.push(async () => clock.stop());
    logger?.info(
      { machines: plant.machines.length, seed: config.seed, speedFactor: config.speedFactor },
      'simulator started',
    );
    if (erp !== undefined) logger?.info({ url: erp.url }, 'ERP simulator started');
    return { plant, clock, opcua, mqttJson, sparkplug, modbus, erp, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startPlantErp(plant: Plant, config: SimulatorConfig['erp']): Promise<ErpSimulatorHandle> {
  const dataset = new ErpDataset(() => plant.nowMs);
  const unlink = linkPlantToErp(plant, dataset, { plantCode: config.plantCode });
  const erp = await startErpSimulator({ host: config.host, port: config.port, dataset });
  return {
    ...erp,
    close: async () => {
      unlink();
      await erp.close();
    },
  };
}

/** The Modbus register map a configuration produces, without starting anything (connector configs, docs). */
export function modbusRegisterMapOf(config: SimulatorConfig): ModbusRegisterEntry[] {
  const plant = new Plant(plantModelConfig(config), { seed: config.seed, startTimeMs: 0 });
  return modbusRegisterMap(plant, config.modbus.wordOrder);
}
