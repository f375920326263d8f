export { SapAdapter } from './sap-adapter';
export { externalReferenceOf } from './payloads';
export {
  parseSapAdapterOptions,
  sapAdapterOptionsSchema,
  type SapAdapterConfig,
  type SapAdapterOptions,
} from './options';
export { mapProductionOrder, orderStatusOf } from './order-mapping';
