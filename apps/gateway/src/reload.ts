/**
 * Live reconfiguration: watch the config file's directory (atomic renames replace the inode, so watching the
 * file itself would go deaf) and SIGHUP; a bad file is reported (event 401) and the old config stays.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { EVENT } from '@gatewatch/events';
import { type GatewayConfig, type LoadConfigOptions, loadConfig } from './config.ts';
import type { GatewayNode } from './gateway.ts';

export interface ConfigWatcher {
  /** Re-read now; returns the new config or undefined when it was invalid. */
  reload(): GatewayConfig | undefined;
  close(): void;
}

export function watchConfig(
  gateway: GatewayNode,
  opts: LoadConfigOptions & { file: string },
  debounceMs = 150,
): ConfigWatcher {
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    try {
      const config = loadConfig(opts);
      gateway.reload(config);
      return config;
    } catch (err) {
      gateway.configError(err as Error);
      return undefined;
    }
  };
  const name = basename(opts.file);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(opts.file), (_event, file) => {
      if (file && file !== name) return;
      clearTimeout(timer);
      timer = setTimeout(reload, debounceMs);
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    // No watch support (e.g. some network filesystems): SIGHUP still works.
  }
  const onHup = () => {
    const before = gateway.configVersion();
    if (reload() && gateway.configVersion() === before) {
      gateway.emitter.emit(EVENT.GENERAL_INFO, {
        message: `SIGHUP: configuration unchanged (version ${before})`,
      });
    }
  };
  process.on('SIGHUP', onHup);
  return {
    reload,
    close() {
      clearTimeout(timer);
      watcher?.close();
      process.off('SIGHUP', onHup);
    },
  };
}
