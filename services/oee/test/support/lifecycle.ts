// The lifecycle tests start the service with: the service kit's manual lifecycle.
export { manualLifecycle as testLifecycle, type ManualLifecycle as TestLifecycle } from '@kiln/service-kit';
