/** `attnsim study`: run a study file (DVFS, batching, carbon, scheduling, case studies). */
import { basename, extname } from "node:path";
import { InputError } from "../common/input-error.js";
import { runStudyFile } from "../studies/study.js";
import { studyText, writeStudy } from "../output/study-report.js";
import { makeFolder } from "../common/output-files.js";
import { CLI, parse } from "./args.js";
import { EXIT, type Io } from "./io.js";

export const STUDY_HELP = `attnsim study: energy-aware co-design studies (DVFS, batching, carbon, case studies)

  attnsim study FILE [--out DIR] [--no-plots]

FILE is a study (YAML/JSON, docs/studies.md; examples in examples/studies/): sections comparing
cases, sweeping operating points or batch sizes against a latency target, scheduling jobs to
low-carbon hours, joining an accuracy table with energy; and the source's claims, printed next to
what attnsim predicts. Writes DIR/study.json, a PNG + CSV per section and report.html
(default DIR: <file name>-study).`;

export async function studyCommand(args: string[], io: Io): Promise<number> {
  const { values: v, positionals, str } = parse(args, { out: { type: "string", short: "o" }, "no-plots": { type: "boolean" }, help: { type: "boolean", short: "h" } });
  if (v.help) {
    io.out(STUDY_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new InputError(CLI, { path: "FILE", expected: "one study file", found: `${positionals.length} arguments` });
  const file = positionals[0]!;
  const report = runStudyFile(file);
  io.out(studyText(report));
  const out = str("out") ?? `${basename(file, extname(file))}-study`;
  makeFolder(out);
  const files = await writeStudy(out, report, !v["no-plots"]);
  io.out(`\nwrote ${out}/: ${files.join(", ")}`);
  return EXIT.ok;
}
