export const simulatedOrders = (): number[] => [1, 2, 3];
