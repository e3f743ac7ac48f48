/**
 * The words the offline drafter knows. Every phrase maps to one meaning; anything not listed here
 * (and not a number, a port mapping, an image reference or a value) is reported as not understood.
 */
import { CATALOG, ROLE_DEFAULTS } from "../catalog.ts";

export type Meaning =
  | { t: "image"; key: string }
  | { t: "role"; phrase: string }
  | { t: "filler" }
  | { t: "port" }
  | { t: "lb" }
  | { t: "network" }
  | { t: "cred"; field: "user" | "password" | "database" }
  | { t: "replicas" }
  | { t: "name" }
  | { t: "restart"; policy: string }
  | { t: "env" };

const FILLERS = [
  "deploy", "run", "running", "create", "make", "set up", "setup", "start", "spin up", "launch", "bring up", "give me", "i want", "i need", "we need",
  "need", "want", "please", "can you", "could you", "with", "and", "plus", "also", "as well as", "along with", "together with", "alongside", "a", "an",
  "the", "some", "of", "on", "at", "in", "for", "using", "use", "that", "which", "who", "to", "my", "me", "our", "it", "its", "them", "this",
  "container", "containers", "instance", "instances", "server", "servers", "service", "services", "image", "images", "app", "application",
  "microservices", "microservice", "setup", "stack", "environment", "architecture", "system", "simple", "basic", "small", "local", "new", "default",
  "persistent", "persistence", "storage", "volume", "volumes", "data", "official", "latest", "is", "are", "be", "should", "will", "have", "has",
  "each", "both", "all", "every", "front", "frontend", "front end", "in front", "in front of", "by", "via", "from", "so", "then", "too", "just", "only",
  "behind", "listening", "listens", "serving", "serves", "exposed", "available", "reachable", "accessible",
  "site", "static", "http", "https", "+", "&", "i'd like", "i would like", "like", "some kind of", "kind", "sort",
  "let", "lets", "let's", "now", "here", "there", "together", "connect", "connects", "to it", "hello", "hi", "add",
];

const PHRASES: [string, Meaning][] = [
  ...FILLERS.map((f): [string, Meaning] => [f, { t: "filler" }]),
  ...["port", "ports", "on port", "at port", "port number", "expose", "exposed on", "publish", "published on", "listening on", "host port", "reachable on"].map((p): [string, Meaning] => [p, { t: "port" }]),
  ...["load balancer", "load balancers", "load-balancer", "loadbalancer", "balancer", "lb", "load balanced", "load-balanced", "behind a load balancer", "behind load balancer"].map((p): [string, Meaning] => [p, { t: "lb" }]),
  ...[
    "talk to each other", "can talk to each other", "talk to one another", "communicate", "communicate with each other", "shared network", "same network",
    "a shared network", "the same network", "connected", "networked", "linked", "each other", "network", "talk", "can talk", "see each other", "reach each other",
  ].map((p): [string, Meaning] => [p, { t: "network" }]),
  ...["user", "username", "user name", "login", "db user", "database user", "as user"].map((p): [string, Meaning] => [p, { t: "cred", field: "user" } as Meaning]),
  ...["password", "passwd", "pass", "pw", "db password", "database password", "root password"].map((p): [string, Meaning] => [p, { t: "cred", field: "password" } as Meaning]),
  ...["database named", "database called", "db named", "db called", "database name", "db name", "dbname"].map((p): [string, Meaning] => [p, { t: "cred", field: "database" } as Meaning]),
  ...["replicas", "replica", "copies", "copy", "times", "x"].map((p): [string, Meaning] => [p, { t: "replicas" }]),
  ...["named", "called", "name it", "named as"].map((p): [string, Meaning] => [p, { t: "name" }]),
  ["restart always", { t: "restart", policy: "always" }],
  ["always restart", { t: "restart", policy: "always" }],
  ["always restarts", { t: "restart", policy: "always" }],
  ["restarts always", { t: "restart", policy: "always" }],
  ["auto restart", { t: "restart", policy: "always" }],
  ["auto-restart", { t: "restart", policy: "always" }],
  ["restart on failure", { t: "restart", policy: "on-failure" }],
  ["restart on-failure", { t: "restart", policy: "on-failure" }],
  ["never restart", { t: "restart", policy: "no" }],
  ["no restart", { t: "restart", policy: "no" }],
  ["env", { t: "env" }],
  ["environment", { t: "env" }],
  ["env var", { t: "env" }],
  ["environment variable", { t: "env" }],
  ["variable", { t: "env" }],
];

for (const entry of CATALOG) {
  for (const name of entry.names) {
    if (name in ROLE_DEFAULTS) PHRASES.push([name, { t: "role", phrase: name }]);
    else PHRASES.push([name, { t: "image", key: entry.key }]);
  }
}
for (const role of Object.keys(ROLE_DEFAULTS)) PHRASES.push([role, { t: "role", phrase: role }]);

/** Phrases as word lists, longest first, so matching is greedy ("web server" before "web"). */
export const LEXICON: { words: string[]; meaning: Meaning }[] = (() => {
  const seen = new Map<string, Meaning>();
  for (const [phrase, meaning] of PHRASES) if (!seen.has(phrase)) seen.set(phrase, meaning);
  return [...seen].map(([phrase, meaning]) => ({ words: phrase.split(" "), meaning })).sort((a, b) => b.words.length - a.words.length);
})();

export const WORD_NUMBERS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, single: 1, couple: 2, pair: 2, dozen: 12,
};
