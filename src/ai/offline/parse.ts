/**
 * Plain English → a list of service mentions with their counts, ports, credentials and the
 * relations asked for. Two passes: words become lexemes (greedy phrase match against the
 * lexicon), then lexemes are read left to right with one token of lookahead.
 * Everything not understood is kept, so the drafter can say so instead of guessing silently.
 */
import { ROLE_DEFAULTS, ROLE_KINDS, catalogEntry, entryForImage, type CatalogEntry } from "../catalog.ts";
import { LEXICON, WORD_NUMBERS, type Meaning } from "./lexicon.ts";

export type Lexeme =
  | { k: "meaning"; meaning: Meaning; raw: string }
  | { k: "number"; value: number; raw: string; replicas?: boolean }
  /** a dotted version ("8.0", "5.7.44"): an image tag right after an image, else not understood */
  | { k: "version"; raw: string }
  | { k: "mapping"; published: number; target: number; raw: string }
  | { k: "quoted"; raw: string }
  | { k: "env"; name: string; value: string; raw: string }
  | { k: "imageref"; image: string; raw: string }
  | { k: "word"; raw: string };

export interface PortRequest {
  published?: number;
  target?: number;
}

export interface Mention {
  entry: CatalogEntry;
  /** an explicit image reference ("postgres:15", "myorg/api:1") */
  image?: string;
  name?: string;
  count: number;
  /** the role word describing it ("api" in "python API servers") */
  role?: string;
  /** created from a role word alone ("a database") */
  assumed?: string;
  ports: PortRequest[];
  env: Record<string, string>;
  creds: { user?: string; password?: string; database?: string };
  /** the request put it behind a load balancer */
  behindLb?: boolean;
  /** it is the load balancer the request asked for ("behind an nginx load balancer") */
  isLb?: boolean;
  /** credentials given for the database this image needs but the request doesn't name */
  dbCreds?: { user?: string; password?: string; database?: string };
  pos: number;
}

export interface ParsedRequest {
  mentions: Mention[];
  network: boolean;
  loadBalancer: boolean;
  /** ports asked for the load balancer itself ("behind a load balancer on 8080") */
  lbPorts: PortRequest[];
  restart?: string;
  /** phrases not understood, in order */
  unknown: string[];
  /** things understood but not applicable (a password with no database to take it) */
  ignored: string[];
}

/** Words → lexemes. Quoted strings and KEY=value stay whole and keep their case. */
export function lex(request: string): Lexeme[] {
  const pieces = request.match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
  const words: { raw: string; quoted?: boolean }[] = [];
  for (const piece of pieces) {
    if (/^(['"]).*\1$/.test(piece)) {
      words.push({ raw: piece.slice(1, -1), quoted: true });
      continue;
    }
    // keep the separators that join phrases apart ("nginx, redis" → "nginx" "redis")
    const trimmed = piece.replace(/^[(\[{]+/, "").replace(/[,;!?)\]}]+$/, "").replace(/\.$/, "");
    if (trimmed) words.push({ raw: trimmed });
  }
  const out: Lexeme[] = [];
  for (let i = 0; i < words.length; i++) {
    const { raw, quoted } = words[i]!;
    const word = raw.toLowerCase();
    if (quoted) {
      out.push({ k: "quoted", raw });
      continue;
    }
    const env = /^([A-Za-z_][A-Za-z0-9_.]*)=(.*)$/.exec(raw);
    if (env) {
      out.push({ k: "env", name: env[1]!, value: env[2]!, raw });
      continue;
    }
    if (/^\d+\.\d+(\.\d+)?$/.test(word)) {
      out.push({ k: "version", raw });
      continue;
    }
    if (/^\d+$/.test(word)) {
      out.push({ k: "number", value: Number(word), raw });
      continue;
    }
    const times = /^(?:x(\d+)|(\d+)x)$/.exec(word);
    if (times) {
      out.push({ k: "number", value: Number(times[1] ?? times[2]), raw, replicas: true });
      continue;
    }
    const mapping = /^:?(\d+)(?::(\d+))?$/.exec(word);
    if (mapping && word.includes(":")) {
      const published = Number(mapping[1]);
      out.push({ k: "mapping", published, target: Number(mapping[2] ?? mapping[1]), raw });
      continue;
    }
    if (word in WORD_NUMBERS) {
      out.push({ k: "number", value: WORD_NUMBERS[word]!, raw });
      continue;
    }
    if (/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*:[\w][\w.-]*$/.test(word) || /^[a-z0-9][a-z0-9._-]*(\.[a-z]+)?(:\d+)?\/[a-z0-9][a-z0-9._/-]*$/.test(word)) {
      out.push({ k: "imageref", image: word, raw });
      continue;
    }
    // greedy phrase match over the following plain words
    let matched = false;
    for (const { words: phrase, meaning } of LEXICON) {
      if (i + phrase.length > words.length) continue;
      let ok = true;
      for (let j = 0; j < phrase.length; j++) {
        const w = words[i + j]!;
        if (w.quoted || w.raw.toLowerCase() !== phrase[j]) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      out.push({ k: "meaning", meaning, raw: words.slice(i, i + phrase.length).map((w) => w.raw).join(" ") });
      i += phrase.length - 1;
      matched = true;
      break;
    }
    if (!matched) {
      // plurals: "databases", "caches", "redises" are rare, but "nginxes"/"postgreses" are not worth it
      const singular = word.endsWith("s") ? word.slice(0, -1) : undefined;
      const hit = singular ? LEXICON.find((l) => l.words.length === 1 && l.words[0] === singular) : undefined;
      if (hit) out.push({ k: "meaning", meaning: hit.meaning, raw });
      else out.push({ k: "word", raw });
    }
  }
  return out;
}

const DATASTORES = new Set(["database", "cache", "queue", "search", "storage"]);

const COUNT_BREAKERS = new Set(["and", "with", "on", "at", "plus", "also", "for", "to", "in", "of", "using", "behind", "then"]);

const VALUE_SKIP = new Set(["is", "=", "of", "to", "as", "set", "be", "should", "will"]);

function isMention(l: Lexeme | undefined): boolean {
  return !!l && (l.k === "imageref" || (l.k === "meaning" && (l.meaning.t === "image" || l.meaning.t === "role")));
}

function isFiller(l: Lexeme | undefined): boolean {
  return !!l && l.k === "meaning" && l.meaning.t === "filler";
}

export function parseRequest(request: string): ParsedRequest {
  const lexemes = lex(request);
  const mentions: Mention[] = [];
  const unknown: string[] = [];
  const ignored: string[] = [];
  const creds: { field: "user" | "password" | "database"; value: string; pos: number }[] = [];
  const orphanPorts: { port: PortRequest; pos: number }[] = [];
  let network = false;
  let loadBalancer = false;
  const lbPorts: PortRequest[] = [];
  /** after "behind a load balancer", ports are the balancer's until the next service */
  let lbPortMode = false;
  /** "an nginx load balancer in front of 3 httpd": the next service is behind it */
  let nextBehindLb = false;
  let restart: string | undefined;
  let pendingCount: number | undefined;
  let expecting: { t: "cred"; field: "user" | "password" | "database" } | { t: "port" } | { t: "name" } | undefined;

  const last = (): Mention | undefined => mentions[mentions.length - 1];
  /** index of the next lexeme that is not filler, from i+1 */
  const nextMeaningful = (i: number): number => {
    let j = i + 1;
    while (j < lexemes.length && isFiller(lexemes[j])) j++;
    return j;
  };
  let portTarget: Mention | undefined;
  const addPort = (port: PortRequest, pos: number) => {
    if (lbPortMode && !portTarget) {
      lbPorts.push(port);
      return;
    }
    let m = portTarget ?? last();
    // "fastapi backend with redis on port 8000": a port no datastore documents, but that an
    // application server named before it listens on by default, is the application's
    if (m && !portTarget && port.published !== undefined && port.target === undefined && DATASTORES.has(m.entry.kind) && !m.entry.ports.includes(port.published)) {
      const app = mentions.find((o) => o.entry.listens && o.ports.length === 0 && o.entry.ports[0] === port.published);
      if (app) m = app;
    }
    if (m) m.ports.push(port);
    else orphanPorts.push({ port, pos });
  };
  const mention = (entry: CatalogEntry, pos: number, extra: Partial<Mention> = {}): Mention => {
    const m: Mention = { entry, count: pendingCount ?? 1, ports: [], env: {}, creds: {}, pos, ...extra };
    if (nextBehindLb) m.behindLb = true;
    nextBehindLb = false;
    pendingCount = undefined;
    portTarget = undefined;
    lbPortMode = false;
    mentions.push(m);
    return m;
  };

  for (let i = 0; i < lexemes.length; i++) {
    const l = lexemes[i]!;
    if (expecting && (expecting.t === "cred" || expecting.t === "name")) {
      if (l.k === "meaning" && l.meaning.t === "filler" && VALUE_SKIP.has(l.raw.toLowerCase())) continue;
      // "user root password x": the phrase "root password" holds the user's value and the next field
      if (expecting.t === "cred" && l.k === "meaning" && l.meaning.t === "cred" && l.raw.includes(" ")) {
        creds.push({ field: expecting.field, value: l.raw.split(" ")[0]!, pos: i });
        expecting = { t: "cred", field: l.meaning.field };
        continue;
      }
      if (l.k !== "env" && l.k !== "mapping") {
        if (expecting.t === "cred") creds.push({ field: expecting.field, value: l.raw, pos: i });
        else {
          const m = last();
          const name = l.raw.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-");
          if (m) m.name = name;
          else ignored.push(`the name "${l.raw}" (no service before it)`);
        }
        expecting = undefined;
        continue;
      }
      expecting = undefined;
    }
    switch (l.k) {
      case "quoted":
      case "word":
        unknown.push(l.raw);
        break;
      case "env": {
        const m = last();
        if (m) m.env[l.name] = l.value;
        else ignored.push(`${l.name}=… (no service before it)`);
        break;
      }
      case "mapping":
        addPort({ published: l.published, target: l.target }, i);
        break;
      case "version": {
        // "mysql 8.0", "redis 7.2": the tag of the image just named
        const m = last();
        const prev = lexemes[i - 1];
        if (m && m.pos === i - 1 && prev?.k === "meaning" && prev.meaning.t === "image") {
          m.image = `${m.entry.image.replace(/:.*$/, "")}:${l.raw}`;
          m.pos = i;
        } else unknown.push(l.raw);
        break;
      }
      case "imageref": {
        const entry = entryForImage(l.image);
        if (entry) mention(entry, i, { image: l.image });
        else mention(customEntry(l.image), i, { image: l.image });
        break;
      }
      case "number": {
        const n = l.value;
        const next = nextMeaningful(i);
        const nextLex = lexemes[next];
        if (expecting?.t === "port") {
          addPort({ published: n }, i);
          // "ports 80 and 443": stay in port mode while numbers follow
          if (!(nextLex?.k === "number")) expecting = undefined;
          break;
        }
        if (l.replicas || (nextLex?.k === "meaning" && nextLex.meaning.t === "replicas")) {
          const after = nextMeaningful(l.replicas ? i : next);
          if (isMention(lexemes[after]) && !(l.replicas && last())) pendingCount = n;
          else if (last()) last()!.count = n;
          else pendingCount = n;
          if (!l.replicas) i = next;
          break;
        }
        // "postgres 15", "MySQL 8 database": a version right after an image, part of its mention
        const prev = lexemes[i - 1];
        // ("nginx, 2 python servers" is a count: a concrete image follows, or a role the image can't be)
        const nextIsOther =
          (nextLex?.k === "meaning" && nextLex.meaning.t === "image") ||
          nextLex?.k === "imageref" ||
          (nextLex?.k === "meaning" && nextLex.meaning.t === "role" && last() !== undefined && !(ROLE_KINDS[nextLex.meaning.phrase] ?? []).includes(last()!.entry.kind));
        if (prev && prev.k === "meaning" && prev.meaning.t === "image" && n < 100 && last() && last()!.pos === i - 1 && !nextIsOther) {
          const m = last()!;
          m.image = `${m.entry.image.replace(/:.*$/, "")}:${n}`;
          m.pos = i;
          break;
        }
        // "nginx on 8081 and mysql": after "on"/"at" a number is a port, whatever follows
        const before = lexemes[i - 1];
        if (before?.k === "meaning" && before.meaning.t === "filler" && /^(on|at)$/i.test(before.raw) && last()) {
          addPort({ published: n }, i);
          break;
        }
        // a count stands right before what it counts ("2 python api servers", "3 small nginx"), never across "and"/"with"
        const between = lexemes.slice(i + 1, next);
        if (isMention(nextLex) && n <= 50 && between.every((b) => b.k === "meaning" && !COUNT_BREAKERS.has(b.raw.toLowerCase()))) {
          pendingCount = n;
          break;
        }
        if (n >= 80 && n <= 65535 && last()) {
          addPort({ published: n }, i);
          break;
        }
        unknown.push(l.raw);
        break;
      }
      case "meaning": {
        const m = l.meaning;
        switch (m.t) {
          case "filler":
            break;
          case "image": {
            // "python flask api", "node express server": two names of one image are one service
            const prev = last();
            if (prev && prev.entry.key === m.key && !prev.image && lexemes.slice(prev.pos + 1, i).every(isFiller) && prev.pos >= i - 2) {
              prev.pos = i;
              break;
            }
            mention(catalogEntry(m.key), i);
            break;
          }
          case "role": {
            // "traefik with its dashboard on 8080": a part of the service before, not another one
            if (lexemes[i - 1]?.raw.toLowerCase() === "its" && last()) break;
            // "two databases, postgres and mysql": a plural role announcing the images that follow
            const kindsAhead = ROLE_KINDS[m.phrase] ?? [];
            if (/s$/i.test(l.raw) && !/s$/i.test(m.phrase) && lexemes.slice(i + 1).some((o) => o.k === "meaning" && o.meaning.t === "image" && kindsAhead.includes(catalogEntry(o.meaning.key).kind))) {
              pendingCount = undefined;
              break;
            }
            const nameAfter = lexemes[i + 1];
            const isDbWord = m.phrase === "database" || m.phrase === "db";
            // "… and database mydb": the name of a database already mentioned, not another one
            if (isDbWord && (nameAfter?.k === "word" || nameAfter?.k === "quoted") && mentions.some((o) => o.entry.credentials?.database)) {
              creds.push({ field: "database", value: nameAfter.raw, pos: i + 1 });
              i++;
              break;
            }
            const prev = last();
            const kinds = ROLE_KINDS[m.phrase] ?? [];
            const lookedBack = prev && i - prev.pos <= 2 && lexemes.slice(prev.pos + 1, i).every(isFiller) && kinds.includes(prev.entry.kind);
            const next = nextMeaningful(i);
            const nextLex = lexemes[next];
            if (lookedBack && !prev!.role) {
              prev!.role = m.phrase;
            } else if (nextLex?.k === "meaning" && nextLex.meaning.t === "image" && kinds.includes(catalogEntry(nextLex.meaning.key).kind)) {
              // "a database postgres", "the cache redis": the image that follows names it
            } else {
              mention(catalogEntry(ROLE_DEFAULTS[m.phrase]!), i, { assumed: m.phrase, role: m.phrase });
            }
            // "a database mydb", "postgres database mydb": a name right after the word database
            if (isDbWord && (nextLex?.k === "word" || nextLex?.k === "quoted") && next === i + 1) {
              creds.push({ field: "database", value: nextLex.raw, pos: next });
              i = next;
            }
            break;
          }
          case "port": {
            expecting = { t: "port" };
            // "… expose the app on port 3000": the port belongs to the application named by "app"
            const recent = lexemes.slice(Math.max(0, i - 3), i + 2).map((x) => x.raw.toLowerCase());
            if (recent.some((w) => w === "app" || w === "application")) {
              portTarget = mentions.find((o) => ["runtime", "app", "web"].includes(o.entry.kind));
            }
            break;
          }
          case "lb": {
            loadBalancer = true;
            const prev = last();
            // "behind an nginx load balancer", "an nginx load balancer in front of X": that nginx is
            // the balancer; what came before "behind", or comes after "in front of", is behind it
            if (prev && prev.pos === i - 1 && ["web", "proxy"].includes(prev.entry.kind) && !/^behind\b/i.test(l.raw)) {
              prev.isLb = true;
              const behind = lexemes.slice(0, prev.pos).some((o) => o.raw.toLowerCase() === "behind") ? mentions[mentions.length - 2] : undefined;
              if (behind) behind.behindLb = true;
              else nextBehindLb = true;
            } else {
              if (prev) prev.behindLb = true;
              lbPortMode = true;
              portTarget = undefined;
            }
            break;
          }
          case "network":
            network = true;
            break;
          case "cred":
            expecting = { t: "cred", field: m.field };
            break;
          case "replicas":
            // "replicas" without a number before it ("with replicas") says nothing countable
            break;
          case "name":
            expecting = { t: "name" };
            break;
          case "restart":
            restart = m.policy;
            break;
          case "env":
            break;
        }
        break;
      }
    }
  }
  if (expecting?.t === "cred") ignored.push(`${expecting.field} without a value`);
  if (pendingCount !== undefined) ignored.push(`the count ${pendingCount} (nothing to count after it)`);

  for (const { port } of orphanPorts) {
    const target = mentions[0];
    if (target) target.ports.push(port);
    else ignored.push(`port ${port.published} (no service to publish)`);
  }
  for (const c of creds) {
    const takers = mentions.filter((m) => m.entry.credentials && (c.field !== "database" || m.entry.credentials.database));
    const before = takers.filter((m) => m.pos <= c.pos).pop();
    const target = before ?? takers.find((m) => m.pos > c.pos);
    // "a wordpress blog with database password x": the database it needs will take it
    const needy = target ? undefined : mentions.find((m) => m.entry.needs && !m.entry.needs.optional);
    if (target) target.creds[c.field] = c.value;
    else if (needy) (needy.dbCreds ??= {})[c.field] = c.value;
    else ignored.push(`the ${c.field} "${c.value}" (no service in the request takes a ${c.field})`);
  }
  return { mentions, network, loadBalancer, lbPorts, restart, unknown, ignored };
}

/** An image the catalog doesn't know ("myorg/api:1.2"): a plain app service. */
function customEntry(image: string): CatalogEntry {
  const base = image.replace(/:[^/:]+$/, "").split("/").pop() ?? "app";
  return { key: base.replace(/[^a-z0-9_-]/g, "-"), image, kind: "app", names: [], ports: [] };
}
