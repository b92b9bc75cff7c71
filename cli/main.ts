/** attnsim's command line: one file per subcommand; this file dispatches and maps errors to exit codes. */
import { InputError } from "../common/input-error.js";
import { OutputError } from "../common/output-files.js";
import { SweepError } from "../sweeps/sweep-error.js";
import { runCommand, RUN_HELP } from "./run.js";
import { traceCommand, TRACE_HELP } from "./trace.js";
import { mergeCommand, MERGE_HELP, sweepCommand, SWEEP_HELP, workerCommand, WORKER_HELP } from "./sweep.js";
import { plotCommand, PLOT_HELP } from "./plot.js";
import { calibrateCommand, CALIBRATE_HELP, validateCommand, VALIDATE_HELP } from "./validate.js";
import { studyCommand, STUDY_HELP } from "./study.js";
import { serveCommand, SERVE_HELP } from "./serve.js";
import { sensitivityCommand, SENSITIVITY_HELP } from "./sensitivity.js";
import { EXIT, processIo, type Io } from "./io.js";

const COMMANDS = {
  run: { fn: runCommand, help: RUN_HELP },
  trace: { fn: traceCommand, help: TRACE_HELP },
  sweep: { fn: sweepCommand, help: SWEEP_HELP },
  merge: { fn: mergeCommand, help: MERGE_HELP },
  worker: { fn: workerCommand, help: WORKER_HELP },
  plot: { fn: plotCommand, help: PLOT_HELP },
  validate: { fn: validateCommand, help: VALIDATE_HELP },
  calibrate: { fn: calibrateCommand, help: CALIBRATE_HELP },
  study: { fn: studyCommand, help: STUDY_HELP },
  serve: { fn: serveCommand, help: SERVE_HELP },
  sensitivity: { fn: sensitivityCommand, help: SENSITIVITY_HELP },
} as const;

const USAGE = `attnsim: energy, latency and memory of transformer attention on accelerator designs

usage: attnsim <command> [options]     (attnsim <command> --help for its options)

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.help.split("\n")[0]!.replace(/^attnsim \w+: /, "")}`).join("\n")}`;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    io.out(USAGE);
    return command === undefined ? EXIT.badInput : EXIT.ok;
  }
  const entry = COMMANDS[command as keyof typeof COMMANDS];
  if (!entry) {
    io.err(`attnsim: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return EXIT.badInput;
  }
  try {
    return await entry.fn(rest, io);
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`attnsim ${command}: ${err.message}`);
      return EXIT.badInput;
    }
    if (err instanceof OutputError) {
      io.err(`attnsim ${command}: ${err.message}`);
      return EXIT.output;
    }
    if (err instanceof SweepError) {
      io.err(`attnsim ${command}: ${err.message}`);
      return EXIT.internal;
    }
    io.err(`attnsim ${command}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT.internal;
  }
}
