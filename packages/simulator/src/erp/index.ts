export {
  ErpBusinessError,
  ErpDataset,
  type ErpOrderRecord,
  type ErpOrderStatus,
  type ErpShiftBreak,
  type ErpShiftRecord,
  type ErpWorkCenter,
  type ReceivedConfirmation,
  type ReceivedNotification,
} from './dataset';
export { ErpFaults, type ErpFault } from './faults';
export {
  DEFAULT_ERP_CREDENTIALS,
  startErpSimulator,
  type ErpContext,
  type ErpCredentials,
  type ErpSimulatorHandle,
  type ErpSimulatorOptions,
} from './erp-server';
export { linkPlantToErp, plantWorkCenterMap, workCenterOf, type PlantErpOptions } from './plant-orders';
export { expireSapCsrfTokens } from './sap-routes';
