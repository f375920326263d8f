// An outbox row's asset in a column of its own. The gateway scoped rows to a site by parsing the asset out of a
// confirmation's kiln_ref (`order/operation/asset`), and an ERP order or operation id holding a `/` moved the
// row out of its site, or into another's. Now the decision that writes a row writes its asset.
//
// Rows from before: a notification's payload names the asset of its alert; a confirmation's asset is the one of
// the order operation whose `order/operation/asset` is exactly its kiln_ref (one lookup per row, by the orders'
// primary key). A row neither tells is left NULL: only a credential for every site sees it.
import type { Migration } from './types';

export const erpOutboxAsset: Migration = {
  version: 13,
  name: 'erp-outbox-asset',
  transactional: () => true,
  statements: ({ schema: s }) => [
    `ALTER TABLE ${s}.erp_outbox ADD COLUMN IF NOT EXISTS asset_id text NULL`,
    `UPDATE ${s}.erp_outbox SET asset_id = nullif(payload->>'assetId', '')
      WHERE asset_id IS NULL AND kind = 'notification'`,
    `UPDATE ${s}.erp_outbox AS o SET asset_id = e.asset_id
       FROM ${s}.erp_orders AS e
      WHERE o.asset_id IS NULL AND o.kind = 'confirmation' AND e.asset_id IS NOT NULL
        AND o.kiln_ref = e.order_id || '/' || e.operation_id || '/' || e.asset_id`,
  ],
};
