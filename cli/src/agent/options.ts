/**
 * Every setting of `kong-registry agent`, in one table: its flag, its environment variables (the
 * first one set wins), its key in a --config file, and its help line. The parser, the config
 * loader and `--help` are all generated from it, so they cannot disagree.
 */
import { DEFAULT_DRAIN_HOLD_SECONDS, DEFAULT_LEASE_TTL_SECONDS } from '@kong-registry/sdk';

/** One setting of the agent. */
export interface AgentOption {
  /** Key in the merged raw config and in a --config file (camelCase). */
  key: string;
  /** Flag name, without the leading `--`. */
  flag: string;
  /** Environment variables, most specific first. */
  env: readonly string[];
  /** Placeholder shown in --help. */
  arg: string;
  /** Help text (one line). */
  help: string;
  /** Default, as shown in --help. */
  shown?: string;
}

/** The settings, in the order --help lists them. */
export const AGENT_OPTIONS: readonly AgentOption[] = [
  {
    key: 'service',
    flag: 'service',
    env: ['AGENT_SERVICE'],
    arg: 'NAME',
    help: 'service name to register (required)',
  },
  {
    key: 'port',
    flag: 'port',
    env: ['AGENT_PORT'],
    arg: 'PORT',
    help: 'port Kong connects to on this instance (required)',
  },
  {
    key: 'host',
    flag: 'host',
    env: ['AGENT_HOST'],
    arg: 'HOST',
    help: 'address Kong connects to',
    shown: 'first non-internal IPv4',
  },
  {
    key: 'prefix',
    flag: 'prefix',
    env: ['AGENT_PREFIX'],
    arg: 'PATH',
    help: 'URL prefix at the gateway',
    shown: '/<service>',
  },
  {
    key: 'extraPrefixes',
    flag: 'extra-prefixes',
    env: ['AGENT_EXTRA_PREFIXES'],
    arg: '/A,/B',
    help: 'more prefixes the service also answers under (gRPC: one /<package>.<Service> per gRPC service)',
  },
  {
    key: 'health',
    flag: 'health',
    env: ['AGENT_HEALTH_URL'],
    arg: 'URL',
    help: 'health URL probed with GET; 2xx = healthy. Without it the instance is always registered',
  },
  {
    key: 'route',
    flag: 'route',
    env: ['AGENT_ROUTE'],
    arg: 'BOOL',
    help: 'false (or --no-route): a worker with no route in Kong; it reports --health or --health-cmd as its own health with each heartbeat',
    shown: 'true',
  },
  {
    key: 'healthCmd',
    flag: 'health-cmd',
    env: ['AGENT_HEALTH_CMD'],
    arg: 'CMD',
    help: 'with --no-route: shell command run before each heartbeat; exit 0 = healthy, else its last output line is the detail',
  },
  {
    key: 'labels',
    flag: 'labels',
    env: ['AGENT_LABELS'],
    arg: 'K=V,..',
    help: 'labels of the instance (gpu=true,host=box-2), filterable in the registry',
  },
  {
    key: 'auth',
    flag: 'auth',
    env: ['AGENT_AUTH'],
    arg: 'TYPE',
    help: 'gateway authentication: key-auth, jwt or none',
    shown: 'none',
  },
  {
    key: 'allowGroups',
    flag: 'allow-groups',
    env: ['AGENT_ALLOW_GROUPS'],
    arg: 'A,B',
    help: 'consumer groups allowed through (with key-auth or jwt)',
  },
  {
    key: 'tokenFile',
    flag: 'token-file',
    env: ['AGENT_TOKEN_FILE', 'REGISTRY_TOKEN_FILE'],
    arg: 'FILE',
    help: 'file holding the service token; read before every request, so it can be rotated',
  },
  {
    key: 'token',
    flag: 'token',
    env: ['AGENT_TOKEN', 'REGISTRY_TOKEN'],
    arg: 'TOKEN',
    help: 'the service token itself (prefer --token-file: flags show up in `ps`)',
  },
  {
    key: 'registryUrl',
    flag: 'registry',
    env: ['AGENT_REGISTRY_URL', 'REGISTRY_URL'],
    arg: 'URL',
    help: 'registry base URL',
    shown: 'http://127.0.0.1:4000',
  },
  {
    key: 'instanceId',
    flag: 'instance-id',
    env: ['AGENT_INSTANCE_ID'],
    arg: 'ID',
    help: 'stable instance id',
    shown: '<host>-<port>',
  },
  {
    key: 'protocol',
    flag: 'protocol',
    env: ['AGENT_PROTOCOL'],
    arg: 'P',
    help: 'http, https, grpc or grpcs',
    shown: 'http',
  },
  {
    key: 'stripPrefix',
    flag: 'strip-prefix',
    env: ['AGENT_STRIP_PREFIX'],
    arg: 'BOOL',
    help: 'strip the prefix before proxying (true/false)',
    shown: 'true',
  },
  {
    key: 'version',
    flag: 'version',
    env: ['AGENT_VERSION'],
    arg: 'V',
    help: 'free-form version shown in the registry',
  },
  {
    key: 'weight',
    flag: 'weight',
    env: ['AGENT_WEIGHT'],
    arg: 'N',
    help: 'load-balancing weight 0..1000',
    shown: '100',
  },
  {
    key: 'metadata',
    flag: 'metadata',
    env: ['AGENT_METADATA'],
    arg: 'K=V,..',
    help: 'string metadata stored with the instance',
  },
  {
    key: 'ttlSeconds',
    flag: 'ttl',
    env: ['AGENT_TTL_SECONDS'],
    arg: 'SECONDS',
    help: 'lease length asked for; heartbeats every third of it',
    shown: `registry default (${DEFAULT_LEASE_TTL_SECONDS})`,
  },
  {
    key: 'kongHealthPath',
    flag: 'kong-health-path',
    env: ['AGENT_KONG_HEALTH_PATH'],
    arg: 'PATH',
    help: "path of Kong's own active health check",
    shown: 'the --health path when it is on --port, else /health',
  },
  {
    key: 'kongConnectTimeout',
    flag: 'kong-connect-timeout',
    env: ['AGENT_KONG_CONNECT_TIMEOUT'],
    arg: 'SECONDS',
    help: "Kong's wait for a connection to an instance before it tries the next (Kong connect_timeout)",
    shown: "Kong's, 60",
  },
  {
    key: 'kongReadTimeout',
    flag: 'kong-read-timeout',
    env: ['AGENT_KONG_READ_TIMEOUT'],
    arg: 'SECONDS',
    help: "Kong's longest wait between two reads of an instance's response (Kong read_timeout)",
    shown: "Kong's, 60",
  },
  {
    key: 'kongWriteTimeout',
    flag: 'kong-write-timeout',
    env: ['AGENT_KONG_WRITE_TIMEOUT'],
    arg: 'SECONDS',
    help: "Kong's longest wait between two writes of a request to an instance (Kong write_timeout)",
    shown: "Kong's, 60",
  },
  {
    key: 'kongRetries',
    flag: 'kong-retries',
    env: ['AGENT_KONG_RETRIES'],
    arg: 'N',
    help: 'more attempts Kong makes, each on the next target, after a failure to connect (Kong retries)',
    shown: "Kong's, 5",
  },
  {
    key: 'healthInterval',
    flag: 'health-interval',
    env: ['AGENT_HEALTH_INTERVAL'],
    arg: 'SECONDS',
    help: 'time between health probes',
    shown: '5',
  },
  {
    key: 'healthTimeout',
    flag: 'health-timeout',
    env: ['AGENT_HEALTH_TIMEOUT'],
    arg: 'SECONDS',
    help: 'a probe slower than this counts as a failure',
    shown: '2, at most the interval',
  },
  {
    key: 'unhealthyThreshold',
    flag: 'unhealthy-threshold',
    env: ['AGENT_UNHEALTHY_THRESHOLD'],
    arg: 'N',
    help: 'consecutive failed probes before the instance is marked draining',
    shown: '3',
  },
  {
    key: 'healthyThreshold',
    flag: 'healthy-threshold',
    env: ['AGENT_HEALTHY_THRESHOLD'],
    arg: 'N',
    help: 'consecutive good probes before it is registered (again)',
    shown: '1',
  },
  {
    key: 'drainSeconds',
    flag: 'drain-seconds',
    env: ['AGENT_DRAIN_SECONDS'],
    arg: 'SECONDS',
    help: 'on SIGTERM: time at weight 0 before deregistering (every Kong node must have stopped sending)',
    shown: String(DEFAULT_DRAIN_HOLD_SECONDS),
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: ['AGENT_LOG_LEVEL', 'LOG_LEVEL'],
    arg: 'LEVEL',
    help: 'fatal, error, warn, info, debug, trace or silent',
    shown: 'info',
  },
  {
    key: 'config',
    flag: 'config',
    env: ['AGENT_CONFIG'],
    arg: 'FILE',
    help: 'YAML or JSON settings file; flags win over env, env over the file',
  },
];

/** The option whose value names the config file (it is not itself allowed inside the file). */
export const CONFIG_KEY = 'config';
