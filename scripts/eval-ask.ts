/**
 * `bun run eval:ask`: the drafter corpus (test/fixtures/ask/corpus.yaml) as an evaluation of the
 * LLM path (issue #17): every request goes through the same client, validation and repair as
 * `kitten ask`, against any OpenAI-compatible endpoint (OPENAI_BASE_URL, OPENAI_API_KEY,
 * KITTEN_MODEL), and is scored like the offline drafter, with the model's service names aligned
 * to the expected ones by image first. The LLM's draft shape has no networks, so networks are not
 * scored. `--offline` scores the offline drafter instead.
 *
 *   bun run eval:ask [--limit N] [--offline] [--min RATE] [--json]
 */
import { draftWithLlm, llmSettingsFromEnv } from "../src/ai/llm/client.ts";
import { draftOffline } from "../src/ai/offline/index.ts";
import type { Draft } from "../src/ai/draft.ts";
import { alignNames, differences, loadCorpus } from "../test/fixtures/ask/score.ts";

function usage(message: string): never {
  console.error(`error: ${message}\nhint: bun run eval:ask [--limit N] [--offline] [--min RATE] [--json]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let limit = Infinity;
let offline = false;
let min: number | undefined;
let json = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === "--limit") limit = Number(args[++i]);
  else if (a === "--offline") offline = true;
  else if (a === "--min") min = Number(args[++i]);
  else if (a === "--json") json = true;
  else usage(`unknown flag: ${a}`);
}
if (!(limit > 0)) usage("--limit takes a positive number");
if (min !== undefined && !(min >= 0 && min <= 1)) usage("--min takes a rate between 0 and 1");

const settings = offline ? undefined : llmSettingsFromEnv(process.env);
if (!offline && !settings) usage("no language model configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for a local server), or pass --offline");

const corpus = loadCorpus().slice(0, limit);
const results: Array<{ request: string; ok: boolean; differences: string[] }> = [];
for (const c of corpus) {
  let diffs: string[];
  try {
    const draft: Draft = settings ? await draftWithLlm(settings, c.request, { projectName: "demo" }) : draftOffline(c.request, { projectName: "demo" });
    diffs = settings ? differences(alignNames(draft.project, c), c, { networks: false }) : differences(draft.project, c);
  } catch (err) {
    diffs = [`failed: ${(err as Error).message.split("\n")[0]}`];
  }
  results.push({ request: c.request, ok: diffs.length === 0, differences: diffs });
  if (!json) console.log(`${diffs.length === 0 ? "pass" : "FAIL"}  ${c.request}${diffs.map((d) => `\n      ${d}`).join("")}`);
}
const passed = results.filter((r) => r.ok).length;
const rate = passed / results.length;
const source = settings ? `${settings.model} at ${settings.baseURL ?? "api.openai.com"}` : "offline drafter";
if (json) console.log(JSON.stringify({ source, passed, total: results.length, rate, results }, null, 2));
else console.log(`eval:ask (${source}): ${passed}/${results.length} (${(rate * 100).toFixed(1)} %)`);
process.exit(min !== undefined && rate < min ? 1 : 0);
