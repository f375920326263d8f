export const TOPIC = 'fixture.orders.v1';
