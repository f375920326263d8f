// `cursor.json`: the id of the last entry the bus acknowledged. Written durably (a temporary file, fsync, rename,
// fsync of the directory), so that after a power cut it names either the old or the new position, never nothing;
// readable by the service's user only (0600), like the segments.
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export const CURSOR_FILE = 'cursor.json';
export const FILE_MODE = 0o600;
export const DIRECTORY_MODE = 0o700;

export async function writeCursorFile(directory: string, ackedId: number): Promise<void> {
  const path = join(directory, CURSOR_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w', FILE_MODE);
  try {
    await file.writeFile(JSON.stringify({ ackedId }));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  await syncDirectory(directory);
}

/** The acknowledged id, or 0 where there is no cursor (a new buffer) or it cannot be read. */
export async function readCursorFile(directory: string): Promise<number> {
  try {
    const parsed = JSON.parse(await readFile(join(directory, CURSOR_FILE), 'utf8')) as { ackedId?: unknown };
    return typeof parsed.ackedId === 'number' && Number.isInteger(parsed.ackedId) ? parsed.ackedId : 0;
  } catch {
    return 0;
  }
}

/** Makes a rename or a new file in `directory` survive a power cut (POSIX: the directory entry is data too). */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
