// The adapter of the configured ERP system (erpSync.system), built from its validated options.
import type { ErpSyncSection } from '../config';
import { CsvAdapter } from './csv';
import { OdooAdapter } from './odoo';
import { RestAdapter } from './rest';
import { SapAdapter } from './sap';
import type { ErpAdapter } from './types';

export function createErpAdapter(section: ErpSyncSection): ErpAdapter {
  const missing = (): never => {
    throw new Error(`erpSync.${section.system} is required when erpSync.system is "${section.system}"`);
  };
  switch (section.system) {
    case 'sap':
      return new SapAdapter(section.sap ?? missing());
    case 'odoo':
      return new OdooAdapter(section.odoo ?? missing());
    case 'rest':
      return new RestAdapter(section.rest ?? missing());
    case 'csv':
      return new CsvAdapter(section.csv ?? missing());
  }
}
