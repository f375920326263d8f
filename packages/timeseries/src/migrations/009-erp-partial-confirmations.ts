// Partial order confirmations (erp-sync `confirmations.partialEveryMinutes`): each asset's progress row keeps the
// interval boundary its running order is confirmed through, so the next partial and the final confirmation cover
// only what came after it. NULL: nothing of the current order confirmed yet (and every row before this version).
import type { Migration } from './types';

export const erpPartialConfirmations: Migration = {
  version: 9,
  name: 'erp-partial-confirmations',
  transactional: () => true,
  statements: ({ schema: s }) => [
    `ALTER TABLE ${s}.erp_order_progress ADD COLUMN IF NOT EXISTS confirmed_through timestamptz NULL`,
  ],
};
