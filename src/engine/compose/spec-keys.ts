/**
 * The keys the Compose Specification defines (schema/compose-spec.json, compose-spec 2026-06),
 * split into those kitten models and those it accepts but ignores with a warning — nerdctl's
 * "Ignoring: service X: [...]" behaviour. A key in neither list is not compose and is an error.
 */

export const TOP_LEVEL_KEYS = ["version", "name", "include", "services", "models", "networks", "volumes", "secrets", "configs"];
export const TOP_LEVEL_IGNORED = new Set(["models"]);

export const SERVICE_SUPPORTED = new Set([
  "image", "command", "entrypoint", "environment", "env_file", "ports", "expose", "networks", "network_mode",
  "depends_on", "restart", "healthcheck", "deploy", "scale", "volumes", "working_dir", "user", "hostname",
  "container_name", "labels", "extra_hosts", "stop_signal", "stop_grace_period", "init", "read_only", "tmpfs",
  "cap_add", "cap_drop", "ulimits", "profiles", "tty", "stdin_open", "extends", "links", "security_opt",
  // issue #12 (runtime-keys.ts)
  "secrets", "configs", "dns", "dns_search", "dns_opt", "sysctls", "shm_size", "mem_limit", "mem_reservation", "cpus",
  "pids_limit", "privileged", "devices", "pid", "ipc", "platform", "pull_policy", "post_start", "pre_stop", "volumes_from",
  "group_add", "domainname", "mac_address", "annotations", "label_file", "develop",
  // issue #13 (logging.ts)
  "logging",
  "build",
]);

export const SERVICE_SPEC_KEYS = new Set([
  ...SERVICE_SUPPORTED,
  "develop", "annotations", "attach", "build", "blkio_config", "cgroup", "cgroup_parent", "configs", "cpu_count",
  "cpu_percent", "cpu_shares", "cpu_quota", "cpu_period", "cpu_rt_period", "cpu_rt_runtime", "cpus", "cpuset",
  "credential_spec", "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname", "label_file",
  "provider", "external_links", "gpus", "group_add", "ipc", "isolation", "links", "logging", "mac_address",
  "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit", "models", "oom_kill_disable", "oom_score_adj",
  "pid", "pids_limit", "platform", "post_start", "pre_stop", "privileged", "pull_policy", "pull_refresh_after",
  "runtime", "secrets", "security_opt", "shm_size", "sysctls", "storage_opt", "use_api_socket", "uts",
  "userns_mode", "volumes_from",
]);

export const DEPLOY_SUPPORTED = new Set(["replicas", "resources", "mode"]);
export const DEPLOY_SPEC_KEYS = new Set([...DEPLOY_SUPPORTED, "endpoint_mode", "labels", "rollback_config", "update_config", "restart_policy", "placement"]);
export const RESOURCE_SUPPORTED = new Set(["cpus", "memory", "pids"]);
export const RESOURCE_SPEC_KEYS = new Set([...RESOURCE_SUPPORTED, "devices", "generic_resources"]);

export const HEALTHCHECK_KEYS = new Set(["disable", "interval", "retries", "test", "timeout", "start_period", "start_interval"]);

export const SERVICE_NETWORK_SUPPORTED = new Set(["aliases", "ipv4_address", "ipv6_address", "priority"]);
export const SERVICE_NETWORK_SPEC_KEYS = new Set([...SERVICE_NETWORK_SUPPORTED, "interface_name", "link_local_ips", "mac_address", "driver_opts", "gw_priority"]);

export const PORT_KEYS = new Set(["name", "mode", "host_ip", "target", "published", "protocol", "app_protocol"]);
export const VOLUME_MOUNT_SUPPORTED = new Set(["type", "source", "target", "read_only", "bind", "volume", "tmpfs"]);
export const VOLUME_MOUNT_SPEC_KEYS = new Set([...VOLUME_MOUNT_SUPPORTED, "consistency", "image"]);
export const DEPENDS_ON_KEYS = new Set(["condition", "required", "restart"]);
export const EXTENDS_KEYS = new Set(["service", "file"]);
export const ENV_FILE_KEYS = new Set(["path", "required", "format"]);

export const NETWORK_SUPPORTED = new Set(["name", "driver", "ipam", "external", "internal", "labels"]);
export const NETWORK_SPEC_KEYS = new Set([...NETWORK_SUPPORTED, "driver_opts", "enable_ipv4", "enable_ipv6", "attachable"]);
export const IPAM_KEYS = new Set(["driver", "config", "options"]);
export const IPAM_CONFIG_KEYS = new Set(["subnet", "gateway", "ip_range", "aux_addresses"]);

export const VOLUME_SUPPORTED = new Set(["name", "driver", "external", "labels"]);
export const VOLUME_SPEC_KEYS = new Set([...VOLUME_SUPPORTED, "driver_opts"]);
