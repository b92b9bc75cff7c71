/** Accumulates a trace's tensors and ops; the builders write through it. */
import type { Precision } from "./precision.js";
import type { Op, Repeat, TensorRole, TensorSpec } from "./trace.js";

export class TraceWriter {
  readonly tensors: TensorSpec[] = [];
  readonly ops: Op[] = [];
  /** Execution probability stamped on ops written from now on (early exit). */
  weight = 1;
  /** Repeat stamped on ops written from now on (generation steps). */
  repeat: Repeat | undefined;

  tensor(name: string, shape: number[], role: TensorRole, precision: Precision): string {
    this.tensors.push({ name, shape: shape.map((d) => Math.max(1, d)), role, precision });
    return name;
  }

  /** Write an op; `grow` adds per-step growth when the op is inside a repeat. */
  op(op: Op, grow?: Repeat["grow"]): void {
    const stamped = { ...op } as Op;
    if (this.weight !== 1) stamped.weight = this.weight;
    if (this.repeat) stamped.repeat = grow ? { count: this.repeat.count, grow } : { count: this.repeat.count };
    this.ops.push(stamped);
  }
}
