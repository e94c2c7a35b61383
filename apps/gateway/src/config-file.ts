/**
 * Safe edits of the config file for the admin CLI: read (JSON or YAML, YAML comments kept), change, validate
 * with the gateway's schema, then write atomically (temp file + rename) so a watching gateway never reads half.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Document, isMap, parseDocument } from 'yaml';
import { ConfigError, parseConfig } from './config.ts';

const isJson = (file: string) => file.endsWith('.json');

export function readRaw(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  try {
    const value = isJson(file) ? JSON.parse(text) : parseDocument(text).toJS();
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch (err) {
    throw new ConfigError(
      '',
      `not valid ${isJson(file) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
      file,
    );
  }
}

export function writeAtomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600; // it may hold relay credentials
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
}

/** Apply `mutate` to the file's object, validate the result, write it atomically; returns the new object. */
export function editConfigFile(
  file: string,
  mutate: (obj: Record<string, unknown>) => void,
): Record<string, unknown> {
  const before = readRaw(file);
  const after = structuredClone(before);
  mutate(after);
  parseConfig(after, file); // refuse to write something the gateway would reject
  let text: string;
  if (isJson(file)) {
    text = `${JSON.stringify(after, null, 2)}\n`;
  } else {
    const existing = existsSync(file) ? parseDocument(readFileSync(file, 'utf8')) : undefined;
    const doc = existing && isMap(existing.contents) ? existing : new Document({});
    for (const key of Object.keys(before)) if (!(key in after)) doc.delete(key);
    for (const [key, value] of Object.entries(after)) {
      if (JSON.stringify(before[key]) !== JSON.stringify(value)) doc.set(key, value);
    }
    text = doc.toString();
  }
  writeAtomic(file, text);
  return after;
}
