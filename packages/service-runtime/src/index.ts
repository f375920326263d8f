// What every Kiln service process starts before its own work (runtime.ts), and the process around it (process.ts).
export * from './runtime';
export * from './process';
