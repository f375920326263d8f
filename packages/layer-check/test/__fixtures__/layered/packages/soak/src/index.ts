// A tool may import anything, the app included: a soak test runs the whole platform.
import { commands } from '@fixture/cli';

export const soak = (): number => commands.length;
