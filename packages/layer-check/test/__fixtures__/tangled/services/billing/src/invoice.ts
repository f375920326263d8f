// invoice.ts and ledger.ts import each other's values: no-module-cycle.
import { ledgerBalance } from './ledger';

export const invoiceTotal = (amount: number): number => amount + ledgerBalance();
