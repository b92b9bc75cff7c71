/**
 * Writes examples/serving/chat-trace.csv: a SYNTHETIC request trace (arrival time, prompt and output
 * tokens) for the serving examples, drawn by serving/requests.ts from a seed. Not a production trace;
 * bring real ones (Azure LLM inference traces, Splitwise's code and conversation traces) in the same
 * layout: `arrival_s,prompt_tokens,output_tokens[,priority][,deferrable_s]`.
 *
 *   arrivals  Poisson, 1.5 requests per second, 400 requests
 *   prompts   lognormal, median 200 tokens, sigma 0.7, in [16, 1024]
 *   outputs   lognormal, median 80 tokens, sigma 0.6, in [8, 384]
 *   seed      2024
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { generateRequests, requestCsv } from "../serving/requests.js";

export function syntheticRequestTraceCsv(): string {
  const requests = generateRequests({
    seed: 2024, count: 400, arrival: { kind: "poisson", ratePerSecond: 1.5 },
    prompt: { kind: "lognormal", median: 200, sigma: 0.7, min: 16, max: 1024 },
    output: { kind: "lognormal", median: 80, sigma: 0.6, min: 8, max: 384 },
  });
  const rounded = requests.map((r) => ({ ...r, arrivalSeconds: Number(r.arrivalSeconds.toFixed(6)) }));
  return `# SYNTHETIC request trace: scripts/synthetic-request-trace.ts says how it is made\n${requestCsv(rounded)}`;
}

if (process.argv[1]?.endsWith("synthetic-request-trace.js")) {
  const file = join(packageRoot(), "examples", "serving", "chat-trace.csv");
  writeFileSync(file, syntheticRequestTraceCsv());
  console.log(`wrote ${file}`);
}
