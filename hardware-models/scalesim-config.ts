/**
 * SCALE-Sim `.cfg` files -> a design. SCALE-Sim has no technology or energy model, so the design
 * runs at 1 GHz in 45 nm at 0.9 V (Horowitz's operating point: the energy table unscaled); cycles
 * and access counts are what the comparison is about. The array uses `trafficModel: scalesim-v2`
 * (SCALE-Sim's own DRAM accounting, 1-byte words). InterfaceBandwidth USER simulates DRAM at
 * `Bandwidth` words/cycle on each of three operand interfaces (the level's bandwidth is their sum;
 * units/systolic-array.ts scalesimInterfaceCycles); CALC is stall-free (unlimited bandwidth). The
 * DRAM has no background power (SCALE-Sim models none).
 */
import { readTextFile } from "../common/document.js";
import { InputError } from "../common/input-error.js";
import type { Design } from "./design.js";
import { resolveDesign } from "./design-loader.js";
import { SCALESIM_INTERFACES } from "./units/systolic-array.js";

export interface ScalesimConfig {
  runName: string;
  rows: number;
  cols: number;
  ifmapSramKb: number;
  filterSramKb: number;
  ofmapSramKb: number;
  dataflow: "os" | "ws" | "is";
  bandwidthWords: number;
  interfaceBandwidth: "USER" | "CALC";
}

export function parseScalesimConfig(text: string, file: string): ScalesimConfig {
  const values = new Map<string, { value: string; line: number }>();
  let section = "";
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/[#;].*$/, "").trim();
    if (line === "") return;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!.trim().toLowerCase();
      return;
    }
    const kv = /^([^:=]+)[:=](.*)$/.exec(line);
    if (!kv) throw new InputError(file, { path: `line ${i + 1}`, expected: "key: value or key = value", found: JSON.stringify(raw.trim()) });
    values.set(`${section}/${kv[1]!.trim().toLowerCase()}`, { value: kv[2]!.trim(), line: i + 1 });
  });
  const get = (section: string, key: string, fallback?: string) => {
    const v = values.get(`${section}/${key.toLowerCase()}`);
    if (v) return v;
    if (fallback !== undefined) return { value: fallback, line: 0 };
    throw new InputError(file, { path: `[${section}] ${key}`, expected: "this key", found: "nothing" });
  };
  const int = (section: string, key: string, fallback?: string) => {
    const v = get(section, key, fallback);
    const n = Number(v.value);
    if (!Number.isInteger(n) || n < 1) throw new InputError(file, { path: `[${section}] ${key} (line ${v.line})`, expected: "a positive integer", found: JSON.stringify(v.value) });
    return n;
  };
  const arch = "architecture_presets";
  const dataflow = get(arch, "Dataflow");
  const df = dataflow.value.toLowerCase();
  if (df !== "os" && df !== "ws" && df !== "is") throw new InputError(file, { path: `[${arch}] Dataflow (line ${dataflow.line})`, expected: "os, ws or is", found: JSON.stringify(dataflow.value) });
  const ib = get("run_presets", "InterfaceBandwidth", "USER");
  const mode = ib.value.toUpperCase();
  if (mode !== "USER" && mode !== "CALC") throw new InputError(file, { path: `[run_presets] InterfaceBandwidth (line ${ib.line})`, expected: "USER or CALC", found: JSON.stringify(ib.value) });
  return {
    runName: get("general", "run_name", "scalesim").value,
    rows: int(arch, "ArrayHeight"),
    cols: int(arch, "ArrayWidth"),
    ifmapSramKb: int(arch, "IfmapSramSzkB"),
    filterSramKb: int(arch, "FilterSramSzkB"),
    ofmapSramKb: int(arch, "OfmapSramSzkB"),
    dataflow: df,
    bandwidthWords: mode === "CALC" ? 1 : int(arch, "Bandwidth"),
    interfaceBandwidth: mode,
  };
}

export function loadScalesimConfig(file: string): ScalesimConfig {
  const text = readTextFile(file, "a readable SCALE-Sim .cfg file");
  return parseScalesimConfig(text, file);
}

export const SCALESIM_FREQUENCY_HZ = 1e9;

export function scalesimDesign(cfg: ScalesimConfig, file: string): Design {
  // SCALE-Sim's kB are 1024 one-byte words.
  const kib = (kb: number) => `${kb} KiB`;
  const design = resolveDesign(
    {
      version: 1,
      name: `scalesim:${cfg.runName}`,
      description: `SCALE-Sim config ${file}`,
      technology: { node: "45 nm", voltage: "0.9 V", frequency: `${SCALESIM_FREQUENCY_HZ / 1e9} GHz` },
      // One interface of Bandwidth words/cycle per operand (ifmap, filter, ofmap): the level has their
      // sum. SCALE-Sim's DRAM has no size and no power: the capacity only has to hold any layer,
      // and its background power is zero (1 TiB of DDR3 at the table's 0.03 W/GiB would add 31 W,
      // 12 J over a 32x32 array's run, that SCALE-Sim never models).
      memory: [{ name: "dram", kind: "ddr3", capacity: "1 TiB", bandwidth: `${cfg.bandwidthWords * SCALESIM_INTERFACES} GB/s`, leakage: "0 W" }],
      units: {
        array: {
          kind: "systolic", rows: cfg.rows, cols: cfg.cols, dataflow: cfg.dataflow, macPrecision: "int8",
          buffers: { ifmap: kib(cfg.ifmapSramKb), filter: kib(cfg.filterSramKb), ofmap: kib(cfg.ofmapSramKb) },
          trafficModel: "scalesim-v2",
        },
      },
      mapping: { default: "array" },
    },
    file,
  );
  if (cfg.interfaceBandwidth === "USER") return design;
  const memory = design.memory.map((l) => Object.freeze({ ...l, bandwidthBytesPerSecond: Infinity }));
  return Object.freeze({ ...design, memory });
}
