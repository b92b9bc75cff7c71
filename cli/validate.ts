/** `attnsim validate` and `attnsim calibrate`: the model against measured boards. */
import { basename, extname } from "node:path";
import { inside, makeFolder, writeOutputFile } from "../common/output-files.js";
import { readTextFile } from "../common/document.js";
import { InputError } from "../common/input-error.js";
import { readDocument } from "../common/document.js";
import { locateDesign } from "../hardware-models/design-loader.js";
import { isSystemDocument } from "../hardware-models/system.js";
import { loadMeasured, parseCalibrationDocument } from "../validation/measured.js";
import { validate } from "../validation/validate.js";
import { calibrate, calibratedDesignText } from "../validation/calibrate.js";
import { calibrationCsv, calibrationText, validationText, writeValidation } from "../output/validation-report.js";
import { predictedVsMeasuredChart } from "../output/charts/validation-charts.js";
import { writeCharts } from "../output/plots.js";
import { toJson } from "../output/json.js";
import { CLI, parse, positiveInt } from "./args.js";
import { EXIT, type Io } from "./io.js";

export const VALIDATE_HELP = `attnsim validate: predicted vs measured for every row of a measured-data file

  attnsim validate FILE [--design D] [--out DIR] [--no-plots] [--rows N]

FILE is YAML/JSON or CSV (docs/validation.md; examples in examples/measured/). Prints each row's
measured and predicted value and signed relative error, then per metric: MAPE, median, bias, worst
row, Spearman and Kendall rank correlation. Writes DIR/validation.csv, validation.json, a
predicted-vs-measured log-log plot per metric and report.html (default DIR: <file name>-validation).
  --design D    use design D (file or preset) for every row instead of the rows' own, e.g. a
                design written by attnsim calibrate, to test it on rows it was not fitted to
                (rows on a system file keep its interconnect, with D as its device)
  --rows N      print the first N rows only (the CSV has all)`;

export const CALIBRATE_HELP = `attnsim calibrate: fit design parameters to measured rows, with k-fold cross-validation

  attnsim calibrate FILE [--spec SPEC] [--out DIR] [--folds K] [--seed S] [--no-plots]

The parameters (paths into the design, units, bounds) come from FILE's calibration: section or
from SPEC (a YAML/JSON file with a calibration: section). Problems affine in the parameters or their
reciprocals are solved exactly (bounded NNLS), others by Levenberg-Marquardt. Prints the fitted
values with standard errors and fold spread, and the error before, after (training) and
cross-validated. Writes DIR/calibration.json, calibration.csv, <design>.calibrated.yaml for each
design the rows use (run and sweep accept it), and plots (default DIR: <file name>-calibration).`;

function stem(file: string): string {
  return basename(file, extname(file));
}

export async function validateCommand(args: string[], io: Io): Promise<number> {
  const { values: v, positionals, str } = parse(args, { design: { type: "string" }, out: { type: "string", short: "o" }, "no-plots": { type: "boolean" }, rows: { type: "string" }, help: { type: "boolean", short: "h" } });
  if (v.help) {
    io.out(VALIDATE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new InputError(CLI, { path: "FILE", expected: "one measured-data file", found: `${positionals.length} arguments` });
  const data = loadMeasured(positionals[0]!);
  const design = str("design");
  if (design !== undefined) {
    const file = locateDesign(design);
    // Rows on a system file keep its interconnect and take the design as its device.
    const onSystem = new Map<string, boolean>();
    for (const row of data.rows) {
      if (!onSystem.has(row.designFile)) onSystem.set(row.designFile, isSystemDocument(readDocument(row.designFile)));
      if (onSystem.get(row.designFile)) row.device = file;
      else row.designFile = file;
    }
  }
  const report = validate(data);
  io.out(validationText(report, positiveInt(str("rows"), "--rows") ?? Infinity));
  const out = str("out") ?? `${stem(positionals[0]!)}-validation`;
  makeFolder(out);
  const files = await writeValidation(out, report, !v["no-plots"]);
  io.out(`\nwrote ${out}/: ${files.join(", ")}`);
  return report.rows.every((r) => r.failure) ? EXIT.infeasible : EXIT.ok;
}

export async function calibrateCommand(args: string[], io: Io): Promise<number> {
  const { values: v, positionals, str } = parse(args, {
    spec: { type: "string" }, out: { type: "string", short: "o" }, folds: { type: "string" }, seed: { type: "string" }, "no-plots": { type: "boolean" }, help: { type: "boolean", short: "h" },
  });
  if (v.help) {
    io.out(CALIBRATE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new InputError(CLI, { path: "FILE", expected: "one measured-data file", found: `${positionals.length} arguments` });
  const file = positionals[0]!;
  const data = loadMeasured(file);
  const specFile = str("spec");
  const spec = specFile ? parseCalibrationDocument(readDocument(specFile), specFile) : data.calibration;
  if (!spec) throw new InputError(file, { path: "/calibration", expected: "a calibration section (or --spec FILE)", found: "nothing" });
  const folds = positiveInt(str("folds"), "--folds");
  if (folds !== undefined) {
    if (folds < 2) throw new InputError(CLI, { path: "--folds", expected: "at least 2 folds", found: String(folds) });
    spec.folds = folds;
  }
  const seed = str("seed");
  if (seed !== undefined) {
    if (!Number.isInteger(Number(seed))) throw new InputError(CLI, { path: "--seed", expected: "an integer", found: JSON.stringify(seed) });
    spec.seed = Number(seed);
  }
  const result = calibrate(data, spec);
  io.out(calibrationText(result));
  const out = str("out") ?? `${stem(file)}-calibration`;
  makeFolder(out);
  writeOutputFile(inside(out, "calibration.json"), toJson({ measured: file, spec, result }));
  writeOutputFile(inside(out, "calibration.csv"), calibrationCsv(result));
  const files = ["calibration.json", "calibration.csv"];
  // One calibrated file per design the fitted rows use (rows of other metrics, or that could not be
  // simulated, do not count); several designs share one fit, which the note below says.
  const fitted = new Set(result.table.map((t) => t.id));
  const designs = [...new Set(data.rows.filter((r) => fitted.has(r.id)).map((r) => r.designFile))];
  if (designs.length > 1) io.err(`note: one fit is shared by ${designs.length} designs (${designs.map((d) => stem(d)).join(", ")}); calibrate their rows separately to fit each on its own`);
  for (const designFile of designs) {
    const name = `${stem(designFile)}.calibrated.yaml`;
    writeOutputFile(inside(out, name), calibratedDesignText(readTextFile(designFile, "a design file"), result, file));
    files.push(name);
  }
  if (!v["no-plots"]) {
    const rows = (which: "before" | "after" | "crossValidated") => result.table.map((t) => {
      const row = data.rows.find((r) => r.id === t.id)!;
      return { id: t.id, board: which === "before" ? "before calibration" : which === "after" ? "calibrated (fit on all rows)" : "cross-validated", design: row.designFile, workload: row.workload.model, metric: row.metric, measured: t.measured, predicted: t[which], error: t[which] / t.measured - 1, source: row.source };
    });
    const all = [...rows("before"), ...rows("crossValidated")];
    const charts = [...new Set(result.table.map((t) => t.metric))].map((m) => predictedVsMeasuredChart(all, m as never, `Calibration: ${m} before and cross-validated`, `calibration-${m}`));
    files.push(...(await writeCharts(out, charts)));
  }
  io.out(`\nwrote ${out}/: ${files.join(", ")}`);
  return EXIT.ok;
}
