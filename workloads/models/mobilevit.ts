/**
 * A MobileViT-S-like hybrid (Mehta & Rastegari, ICLR 2022): convolutions for local features,
 * transformers for global ones, at 256 x 256 (Table 4 / Fig. 1b of the paper):
 *
 *   conv 3x3/2 (3 -> 16)          MV2 (16 -> 32)
 *   MV2/2 (32 -> 64), MV2 x2 (64)
 *   MV2/2 (64 -> 96),  MobileViT block d=144, L=2
 *   MV2/2 (96 -> 128), MobileViT block d=192, L=4
 *   MV2/2 (128 -> 160), MobileViT block d=240, L=3
 *   conv 1x1 (160 -> 640), global pool, linear
 *
 * MV2 = inverted residual (Sandler et al. 2018): 1x1 expand x4, SiLU, depthwise 3x3, SiLU, 1x1
 * project (+ residual at stride 1). MobileViT block: 3x3 conv, 1x1 conv to d, unfold into 2x2
 * patches (P = 4 sequences of N = HW/4 tokens), L pre-norm transformer layers (4 heads, FFN 2d, SiLU),
 * fold, 1x1 conv back to C, concatenate with the input, 3x3 conv 2C -> C.
 * Convolutions are conv ops (workloads/conv.ts; k x k kernels padded by (k - 1) / 2): units compute
 * their im2col GEMM (M = output pixels, N = out channels, K = in channels x k^2; depthwise: one
 * N = 1 GEMM per channel, what they cost on a matrix unit) and fetch the input, not im2col rows.
 * Attention variants apply to the transformer layers. `seq` is the image side (default 256).
 */
import { TRACE_VERSION, type ModelShape, type Trace } from "../trace.js";
import { TraceWriter } from "../trace-writer.js";
import { convDims, convOp, type ConvShape } from "../conv.js";
import type { PrecisionPolicy } from "../variants/precision-policy.js";
import { Builder } from "../transformer-layer.js";
import type { VariantChoice } from "../workload-spec.js";

interface Stage {
  mv2: [number, number, number][]; // [cin, cout, stride]
  vit?: { d: number; layers: number };
}

const STAGES: Stage[] = [
  { mv2: [[16, 32, 1]] },
  { mv2: [[32, 64, 2], [64, 64, 1], [64, 64, 1]] },
  { mv2: [[64, 96, 2]], vit: { d: 144, layers: 2 } },
  { mv2: [[96, 128, 2]], vit: { d: 192, layers: 4 } },
  { mv2: [[128, 160, 2]], vit: { d: 240, layers: 3 } },
];
export const MOBILEVIT_HEADS = 4;
const EXPANSION = 4;
const PATCH = 4; // 2 x 2 pixels

export function buildMobileVitTrace(shape: ModelShape, policy: PrecisionPolicy, attention: VariantChoice, variants: Record<string, string>): Trace {
  const w = new TraceWriter();
  const B = shape.batch;
  const act = policy.activations;
  let layer = 0;
  let side = shape.seqLen;
  const wt = (name: string, dims: number[]) => w.tensor(name, dims, "weight", policy.weights(layer, 32));
  const conv = (id: string, input: string, cin: number, cout: number, k: number, stride: number, groups = 1): string => {
    const pad = (k - 1) / 2;
    const shape: ConvShape = { batch: B, inH: side, inW: side, inChannels: cin, outChannels: cout, kernelH: k, kernelW: k, strideH: stride, strideW: stride, padH: pad, padW: pad, groups };
    side = convDims(shape).outH;
    const out = w.tensor(`${id}.out`, [B, side, side, cout], "activation", act);
    w.op(convOp(id, layer, shape, [input, wt(`${id}.w`, [cout, k, k, cin / groups])], out));
    return out;
  };
  const depthwise = (id: string, input: string, c: number, stride: number): string => conv(id, input, c, c, 3, stride, c);
  const silu = (id: string, input: string, c: number): string => {
    const out = w.tensor(`${id}.out`, [B, side, side, c], "activation", act);
    w.op({ id, layer, kind: "elementwise", fn: "silu", elements: B * side * side * c, inputs: [input], outputs: [out] });
    return out;
  };

  let x = w.tensor("input", [B, side, side, 3], "activation", act);
  x = silu("stem.act", conv("stem.conv", x, 3, 16, 3, 2), 16);
  layer++;
  for (const [s, stage] of STAGES.entries()) {
    for (const [j, [cin, cout, stride]] of stage.mv2.entries()) {
      const id = `s${s}.mv2_${j}`;
      const hidden = cin * EXPANSION;
      let y = silu(`${id}.act1`, conv(`${id}.expand`, x, cin, hidden, 1, 1), hidden);
      y = silu(`${id}.act2`, depthwise(`${id}.dw`, y, hidden, stride), hidden);
      y = conv(`${id}.project`, y, hidden, cout, 1, 1);
      if (stride === 1 && cin === cout) {
        const sum = w.tensor(`${id}.res`, [B, side, side, cout], "activation", act);
        w.op({ id: `${id}.add`, layer, kind: "elementwise", fn: "add", elements: B * side * side * cout, inputs: [x, y], outputs: [sum] });
        y = sum;
      }
      x = y;
      layer++;
    }
    if (!stage.vit) continue;
    const { d, layers } = stage.vit;
    const c = stage.mv2[stage.mv2.length - 1]![1];
    const id = `s${s}.vit`;
    const local = conv(`${id}.local1x1`, conv(`${id}.local3x3`, x, c, c, 3, 1), c, d, 1, 1);
    const tokens = Math.ceil(side / 2) ** 2; // 2x2 patches (padded at odd sides)
    const unfolded = w.tensor(`${id}.unfold`, [B * PATCH, tokens, d], "activation", act);
    w.op({ id: `${id}.unfold`, layer, kind: "gather", rows: B * side * side, cols: d, inputs: [local], outputs: [unfolded] });
    const stageShape: ModelShape = {
      name: `${shape.name}.${id}`, layers, dModel: d, heads: MOBILEVIT_HEADS, kvHeads: MOBILEVIT_HEADS, dHead: d / MOBILEVIT_HEADS, dFF: 2 * d,
      ffn: "gelu", norm: "layer", normPlacement: "pre", causal: false, seqLen: tokens, batch: B * PATCH, phase: "prefill", contextLen: 0,
    };
    const builder = new Builder(w, stageShape, policy, attention, undefined);
    let t = unfolded;
    for (let l = 0; l < layers; l++) {
      t = builder.layer(layer, t, { queries: tokens, keys: tokens, heads: MOBILEVIT_HEADS, kvHeads: MOBILEVIT_HEADS }, {
        prefix: `${id}.L${l}`, decode: false, growing: false, rowOffset: 0, cache: "none",
      });
      layer++;
    }
    t = builder.norm(layer - 1, `${id}.ln`, t, tokens);
    const folded = w.tensor(`${id}.fold`, [B, side, side, d], "activation", act);
    w.op({ id: `${id}.fold`, layer: layer - 1, kind: "gather", rows: B * side * side, cols: d, inputs: [t], outputs: [folded] });
    const back = conv(`${id}.proj1x1`, folded, d, c, 1, 1);
    const cat = w.tensor(`${id}.concat`, [B, side, side, 2 * c], "activation", act);
    w.op({ id: `${id}.concat`, layer: layer - 1, kind: "gather", rows: B * side * side, cols: 2 * c, inputs: [x, back], outputs: [cat] });
    x = conv(`${id}.fuse3x3`, cat, 2 * c, c, 3, 1);
  }
  x = silu("head.act", conv("head.conv1x1", x, 160, 640, 1, 1), 640);
  const pooled = w.tensor("head.pool.out", [B, 640], "activation", act);
  w.op({ id: "head.pool", layer, kind: "elementwise", fn: "add", elements: B * side * side * 640, inputs: [x], outputs: [pooled] });
  const logits = w.tensor("head.fc.out", [B, 1000], "activation", act);
  w.op({ id: "head.fc", layer, kind: "matmul", m: B, n: 1000, k: 640, batchCount: 1, inputs: [pooled, wt("head.fc.w", [640, 1000])], outputs: [logits] });
  return { version: TRACE_VERSION, model: { ...shape, variants }, tensors: w.tensors, ops: w.ops };
}
