/**
 * A Mamba-style selective state-space model (Gu & Dao 2023): no attention, no MLP; each layer is
 *
 *   RMSNorm -> in_proj (d -> 2E: x and gate z) -> causal depthwise conv1d (kernel 4) -> SiLU
 *   -> x_proj (E -> dt_rank + 2N: dt, B, C) -> dt_proj (dt_rank -> E) -> softplus
 *   -> selective scan (h = exp(dt A) h + dt B x; y = C h + D x) -> y * SiLU(z) -> out_proj (E -> d) -> residual
 *
 * with E = expand x d inner channels and N states per channel. MACs per layer, T = batch x n tokens:
 *   T d 2E + T E 4 (conv) + T E (dt_rank + 2N) + T dt_rank E + T E d; the scan touches T E N states.
 * Decode (one token) reads and writes the per-layer conv state (E x 4) and SSM state (E x N) instead
 * of a growing KV cache: cost per token is constant in the context length.
 */
import { TRACE_VERSION, type ModelShape, type Trace } from "../trace.js";
import { TraceWriter } from "../trace-writer.js";
import type { PrecisionPolicy } from "../variants/precision-policy.js";

export const MAMBA_STATE = 16;
export const MAMBA_EXPAND = 2;
export const MAMBA_CONV = 4;

export function buildMambaTrace(shape: ModelShape, policy: PrecisionPolicy, variants: Record<string, string>): Trace {
  const w = new TraceWriter();
  const { batch: B, dModel: d, layers } = shape;
  const decode = shape.phase === "decode";
  const n = decode ? 1 : shape.seqLen;
  const T = B * n;
  const E = MAMBA_EXPAND * d, N = MAMBA_STATE, R = Math.ceil(d / 16);
  const act = policy.activations;
  let x = w.tensor("input", [B, n, d], "activation", act);
  for (let layer = 0; layer < layers; layer++) {
    const L = `L${layer}`;
    const wt = (name: string, dims: number[]) => w.tensor(`${L}.${name}`, dims, "weight", policy.weights(layer, layers));
    const a = (name: string, dims: number[]) => w.tensor(`${L}.${name}`, dims, "activation", act);
    const normed = a("norm", [B, n, d]);
    w.op({ id: `${L}.norm`, layer, kind: "layernorm", rows: T, cols: d, norm: "rms", inputs: [x, wt("norm.gamma", [d])], outputs: [normed] });
    const xz = a("xz", [B, n, 2 * E]);
    w.op({ id: `${L}.in_proj`, layer, kind: "matmul", m: T, n: 2 * E, k: d, batchCount: 1, inputs: [normed, wt("in_proj", [d, 2 * E])], outputs: [xz] });
    // Depthwise causal conv: per channel, T outputs of a 4-tap filter (a batched GEMV).
    let state: string | undefined;
    if (decode) {
      // The recurrent state replaces a KV cache: conv window (E x 4) and SSM state (E x N) per layer.
      const convState = w.tensor(`${L}.conv_state`, [B, E, MAMBA_CONV], "kv-cache", policy.kv);
      const ssmState = w.tensor(`${L}.ssm_state`, [B, E, N], "kv-cache", policy.kv);
      state = a("state", [B, E, N + MAMBA_CONV]);
      w.op({ id: `${L}.state_read`, layer, kind: "elementwise", fn: "copy", elements: B * E * (N + MAMBA_CONV), inputs: [convState, ssmState], outputs: [state] });
    }
    const conv = a("conv", [B, n, E]);
    w.op({ id: `${L}.conv1d`, layer, kind: "matmul", m: T, n: 1, k: MAMBA_CONV, batchCount: E, inputs: [xz, wt("conv.w", [E, MAMBA_CONV])], outputs: [conv] });
    const xs = a("xs", [B, n, E]);
    w.op({ id: `${L}.silu_x`, layer, kind: "elementwise", fn: "silu", elements: T * E, inputs: [conv], outputs: [xs] });
    const dbc = a("dbc", [B, n, R + 2 * N]);
    w.op({ id: `${L}.x_proj`, layer, kind: "matmul", m: T, n: R + 2 * N, k: E, batchCount: 1, inputs: [xs, wt("x_proj", [E, R + 2 * N])], outputs: [dbc] });
    const dtRaw = a("dt_raw", [B, n, E]);
    w.op({ id: `${L}.dt_proj`, layer, kind: "matmul", m: T, n: E, k: R, batchCount: 1, inputs: [dbc, wt("dt_proj", [R, E])], outputs: [dtRaw] });
    const dt = a("dt", [B, n, E]);
    w.op({ id: `${L}.softplus`, layer, kind: "elementwise", fn: "softplus", elements: T * E, inputs: [dtRaw], outputs: [dt] });
    const scanInputs = [xs, dt, dbc, wt("A", [E, N]), ...(state ? [state] : [])];
    const y = a("scan", [B, n, E]);
    w.op({ id: `${L}.scan`, layer, kind: "scan", length: n, channels: E, state: N, batchCount: B, inputs: scanInputs, outputs: [y] });
    if (decode) {
      const next = w.tensor(`${L}.state_new`, [B, E, N + MAMBA_CONV], "kv-cache", policy.kv);
      w.op({ id: `${L}.state_write`, layer, kind: "elementwise", fn: "copy", elements: B * E * (N + MAMBA_CONV), inputs: [y], outputs: [next] });
    }
    const yd = a("skip", [B, n, E]);
    w.op({ id: `${L}.d_skip`, layer, kind: "elementwise", fn: "add", elements: T * E, inputs: [y, xs], outputs: [yd] });
    const gate = a("gate", [B, n, E]);
    w.op({ id: `${L}.silu_z`, layer, kind: "elementwise", fn: "silu", elements: T * E, inputs: [xz], outputs: [gate] });
    const gated = a("gated", [B, n, E]);
    w.op({ id: `${L}.gate_mul`, layer, kind: "elementwise", fn: "mul", elements: T * E, inputs: [yd, gate], outputs: [gated] });
    const out = a("out", [B, n, d]);
    w.op({ id: `${L}.out_proj`, layer, kind: "matmul", m: T, n: d, k: E, batchCount: 1, inputs: [gated, wt("out_proj", [E, d])], outputs: [out] });
    const res = a("res", [B, n, d]);
    w.op({ id: `${L}.add`, layer, kind: "elementwise", fn: "add", elements: T * d, inputs: [x, out], outputs: [res] });
    x = res;
  }
  const final = w.tensor("final.ln.out", [B, n, d], "activation", act);
  w.op({ id: "final.ln", layer: layers, kind: "layernorm", rows: T, cols: d, norm: "rms", inputs: [x, w.tensor("final.ln.gamma", [d], "weight", policy.weights(layers - 1, layers))], outputs: [final] });
  return { version: TRACE_VERSION, model: { ...shape, variants }, tensors: w.tensors, ops: w.ops };
}
