// The ERP webhook is closed by default (issue 18: its token was optional wherever it listened): on this machine
// it may go without one, beyond it a token is required unless `insecure: true` says otherwise.
import { erpSyncSectionSchema } from '../src/config';

const problems = (webhook: Record<string, unknown>): string[] => {
  const parsed = erpSyncSectionSchema.safeParse({
    system: 'csv',
    csv: { ordersPath: '/var/lib/kiln/erp/orders.csv' },
    webhook: { enabled: true, ...webhook },
  });
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('erpSync.webhook', () => {
  it('needs a token to listen beyond this machine', () => {
    expect(problems({ host: '0.0.0.0' })).toEqual([
      'webhook.token: the webhook listens on 0.0.0.0 (beyond this machine) and needs a token: anyone who reaches ' +
        'the port could push orders and shifts or run syncs; set erpSync.webhook.token (KILN_ERP_WEBHOOK_TOKEN), ' +
        'or insecure: true to accept that',
    ]);
    expect(problems({ host: '10.1.2.3' })).toHaveLength(1);
  });

  it('takes a token, the loopback address, or insecure said out loud', () => {
    expect(problems({ host: '0.0.0.0', token: 'a-webhook-token-of-32-characters' })).toEqual([]);
    expect(problems({})).toEqual([]);
    expect(problems({ host: 'localhost' })).toEqual([]);
    expect(problems({ host: '0.0.0.0', insecure: true })).toEqual([]);
    expect(problems({ host: '0.0.0.0', enabled: false })).toEqual([]);
  });
});
