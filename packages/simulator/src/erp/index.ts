export * from './dataset';
export * from './faults';
export * from './erp-server';
export * from './plant-orders';
export { expireSapCsrfTokens } from './sap-routes';
