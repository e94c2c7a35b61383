/**
 * Admin CLI mirroring the original gateway's cmdlets (Get/Set-OMSGatewayConfig, …RelayProxy,
 * …AllowedHost, …AllowedClientCertificate). It edits the config file atomically; a running gateway reloads it.
 * Run as `gatewatch admin …` (`npm run admin -- --config gateway.yaml allowed-host add '*.contoso.com'`).
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { stringify } from 'yaml';
import {
  ConfigError,
  type Env,
  type GatewayConfig,
  loadConfig,
  parseConfig,
  redactConfig,
  relayFromUrl,
  setPath,
} from './config.ts';
import { editConfigFile, readRaw } from './config-file.ts';

type Out = (line: string) => void;

function listCommands(
  program: Command,
  name: string,
  key: 'allowedHosts' | 'allowedClientCertificates',
  what: string,
  file: () => string,
  out: Out,
) {
  const cmd = program.command(name).description(`list, add or remove ${what}s`);
  const current = () => (readRaw(file())[key] as string[] | undefined) ?? [];
  cmd
    .command('list')
    .description(`print the ${what}s, one per line`)
    .action(() => {
      for (const v of current()) out(v);
    });
  cmd
    .command('add')
    .argument('<value...>', what)
    .description(`add ${what}(s)`)
    .action((values: string[]) => {
      editConfigFile(file(), (o) => {
        const list = (o[key] as string[] | undefined) ?? [];
        for (const v of values) if (!list.some((x) => x.toLowerCase() === v.toLowerCase())) list.push(v);
        o[key] = list;
      });
      out(`added ${values.join(', ')}`);
    });
  cmd
    .command('remove')
    .argument('<value...>', what)
    .description(`remove ${what}(s)`)
    .action((values: string[]) => {
      const lower = values.map((v) => v.toLowerCase());
      const missing = values.filter((v) => !current().some((x) => x.toLowerCase() === v.toLowerCase()));
      if (missing.length)
        throw new ConfigError(key, `not on the list: ${missing.join(', ')} (see: ${name} list)`);
      editConfigFile(file(), (o) => {
        o[key] = ((o[key] as string[] | undefined) ?? []).filter((x) => !lower.includes(x.toLowerCase()));
      });
      out(`removed ${values.join(', ')}`);
    });
}

/** Value for `config set`: comma lists for list fields, YAML scalars (numbers, true, null) otherwise. */
function parseValue(key: string, raw: string): unknown {
  const defaults = parseConfig({}) as unknown as Record<string, unknown>;
  const current = key
    .split('.')
    .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], defaults);
  if (Array.isArray(current)) {
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (raw === 'null') return null;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

export function buildAdmin(
  out: Out = (l) => process.stdout.write(`${l}\n`),
  env: Env = process.env,
): Command {
  const program = new Command('gatewatch admin')
    .description('Administer a Gatewatch gateway by editing its config file (the gateway reloads it live)')
    .option(
      '-c, --config <file>',
      'config file (JSON or YAML); env GATEWATCH_CONFIG',
      env.GATEWATCH_CONFIG ?? 'gatewatch.yaml',
    )
    .option(
      '--admin-port <port>',
      "admin port of the local gateway whose config file should be this one (default: the file's adminPort)",
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => out(s.trimEnd()), writeErr: (s) => process.stderr.write(s) });
  // `npm run admin -w …` runs in the workspace directory: relative paths are the caller's (INIT_CWD).
  const file = () => resolve(env.INIT_CWD ?? process.cwd(), program.opts<{ config: string }>().config);
  const effective = (): GatewayConfig => loadConfig({ file: file(), env });

  const config = program
    .command('config')
    .description('get or set configuration keys (Get/Set-OMSGatewayConfig)');
  config
    .command('get')
    .argument('[key]', 'dotted key such as listenPort or limits.idleTimeoutMs')
    .description('print the effective configuration (file + env), secrets masked')
    .action((key?: string) => {
      const c = redactConfig(effective()) as unknown as Record<string, unknown>;
      if (!key) return out(stringify(c).trimEnd());
      const value = key
        .split('.')
        .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], c);
      if (value === undefined)
        throw new ConfigError(key, `unknown key (known keys: ${Object.keys(c).join(', ')})`);
      out(typeof value === 'object' && value !== null ? stringify(value).trimEnd() : String(value));
    });
  config
    .command('set')
    .argument('<key>', 'dotted key, e.g. listenPort, workspaces, limits.idleTimeoutMs')
    .argument('<value>', 'value; lists are comma-separated')
    .description('set a key in the config file')
    .action((key: string, raw: string) => {
      editConfigFile(file(), (o) => setPath(o, key, parseValue(key, raw)));
      out(`${key} set`);
    });

  const relay = program
    .command('relay-proxy')
    .description('relay (upstream) proxy (Get/Set-OMSGatewayRelayProxy)');
  relay
    .command('get')
    .description('print the relay proxy address and user name (never the password)')
    .action(() => {
      const r = effective().relayProxy;
      out(
        r
          ? `${r.address}${r.username ? ` (user ${r.username}, password ${r.password ? 'set' : 'empty'})` : ''}`
          : 'none',
      );
    });
  relay
    .command('set')
    .requiredOption('--address <url>', 'http://host:port ("" clears, like the original)')
    .option('--username <user>', 'Basic auth user name')
    .option(
      '--password <password>',
      'Basic auth password (prefer env GATEWATCH_RELAY_PASSWORD: argv is visible to ps)',
    )
    .description('set the relay proxy')
    .action((o: { address: string; username?: string; password?: string }) => {
      const parsed = o.address ? relayFromUrl(o.address) : null;
      editConfigFile(file(), (c) => {
        c.relayProxy = parsed && {
          address: parsed.address,
          username: o.username ?? parsed.username,
          password: o.password ?? env.GATEWATCH_RELAY_PASSWORD ?? parsed.password,
        };
      });
      out(parsed ? `relay proxy set to ${parsed.address}` : 'relay proxy cleared');
    });
  relay
    .command('clear')
    .description('remove the relay proxy (connect directly)')
    .action(() => {
      editConfigFile(file(), (c) => {
        c.relayProxy = null;
      });
      out('relay proxy cleared');
    });

  listCommands(program, 'allowed-host', 'allowedHosts', 'allowed host', file, out);
  listCommands(
    program,
    'allowed-client-certificate',
    'allowedClientCertificates',
    'allowed client-certificate subject',
    file,
    out,
  );
  return program;
}

/** The config file the gateway answering on 127.0.0.1:`port` reads (its /healthz), if one answers in time. */
export async function runningGatewayConfig(port: number, timeoutMs = 500): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    const { configPath } = (await res.json()) as { configPath?: unknown };
    return typeof configPath === 'string' && configPath ? configPath : undefined;
  } catch {
    return undefined; // no gateway there (or not ours): nothing to compare with
  }
}

const canonical = (file: string) => {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
};

/**
 * One warning line (exit code unchanged) when the local gateway on the admin port (--admin-port, else the
 * edited file's adminPort) reads another config file than the one these `argv` edit: the change would not
 * reach it. Silent when no gateway answers.
 */
export async function warnIfOtherConfig(
  argv: string[],
  env: Env = process.env,
  err: Out = (l) => process.stderr.write(`${l}\n`),
): Promise<void> {
  if (argv.some((a) => a === '--help' || a === '-h' || a === 'help')) return;
  const program = buildAdmin(() => {}, env);
  let file: string;
  let port: number;
  try {
    program.parseOptions(argv);
    const o = program.opts<{ config: string; adminPort?: string }>();
    file = resolve(env.INIT_CWD ?? process.cwd(), o.config);
    port = o.adminPort !== undefined ? Number(o.adminPort) : loadConfig({ file, env }).adminPort;
  } catch {
    return; // a bad file or option: runAdmin has said so already
  }
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return;
  const running = await runningGatewayConfig(port);
  if (running && canonical(running) !== canonical(file))
    err(
      `warning: the gateway on 127.0.0.1:${port} reads ${running}, not ${file}: edits here do not reach it (use --config ${running})`,
    );
}

/** Run the CLI; returns the exit code (0 ok, 2 invalid input/config, 1 other failure). */
export function runAdmin(
  argv: string[],
  out?: Out,
  env?: Env,
  err: Out = (l) => process.stderr.write(`${l}\n`),
): number {
  try {
    buildAdmin(out, env).parse(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    err(e instanceof ConfigError ? e.message : `error: ${(e as Error).message}`);
    return e instanceof ConfigError ? 2 : 1;
  }
}
