"""all-MiniLM-L6-v2 as an ONNX graph built from the safetensors weights (no torch), run by onnxruntime."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from riverflow.rag.embedding.minilm_weights import MiniLMWeights

__all__ = ["OnnxMiniLM", "build_graph"]

_OPSET = 18


class _GraphBuilder:
    """Appends nodes with unique output names; initializers hold the weights."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._n = 0

    def const(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(value, name))
        return name

    def op(self, op_type: str, *inputs: str, **attrs: object) -> str:
        self._n += 1
        out = f"{op_type.lower()}_{self._n}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def layer_norm(self, x: str, prefix: str, weights: MiniLMWeights) -> str:
        scale = self.const(f"{prefix}.weight", weights[f"{prefix}.weight"])
        bias = self.const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return self.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=weights.eps)

    def linear(self, x: str, prefix: str, weights: MiniLMWeights) -> str:
        w = self.const(f"{prefix}.weight", weights[f"{prefix}.weight"])
        b = self.const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return self.op("Add", self.op("MatMul", x, w), b)


def build_graph(weights: MiniLMWeights) -> onnx.ModelProto:
    """The encoder, mean pooling and L2 normalisation: ``(input_ids, attention_mask) -> embeddings``."""
    g = _GraphBuilder()
    heads, size = weights.heads, weights.hidden // weights.heads
    i64 = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731
    f32 = lambda v: np.array(v, dtype=np.float32)  # noqa: E731

    length = g.op("Gather", g.op("Shape", "input_ids"), g.const("one", i64(1)), axis=0)
    positions = g.op(
        "Slice",
        g.const("pos_table", weights["embeddings.position_embeddings.weight"]),
        g.const("zero", i64(0)),
        length,
        g.const("axis0", i64(0)),
    )
    words = g.op("Gather", g.const("word_table", weights["embeddings.word_embeddings.weight"]), "input_ids")
    token_type = g.const("type0", weights["embeddings.token_type_embeddings.weight"][0])
    x = g.op("Add", g.op("Add", words, positions), token_type)
    x = g.layer_norm(x, "embeddings.LayerNorm", weights)

    mask = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    # (1 - mask) * -1e9, shaped (batch, 1, 1, length): padding keys get ~0 attention.
    bias = g.op("Mul", g.op("Sub", g.const("f_one", f32(1.0)), mask), g.const("neg", f32(-1e9)))
    bias = g.op("Unsqueeze", bias, g.const("axes12", i64(1, 2)))
    split_heads = g.const("split_heads", i64(0, 0, heads, size))
    merge_heads = g.const("merge_heads", i64(0, 0, weights.hidden))
    scale = g.const("scale", f32(1.0 / np.sqrt(size)))
    sqrt_half = g.const("sqrt_half", f32(1.0 / np.sqrt(2.0)))
    half = g.const("half", f32(0.5))

    for i in range(weights.layers):
        p = f"encoder.layer.{i}."
        q, k, v = (
            g.op("Reshape", g.linear(x, f"{p}attention.self.{n}", weights), split_heads)
            for n in ("query", "key", "value")
        )
        q = g.op("Transpose", q, perm=[0, 2, 1, 3])
        k = g.op("Transpose", k, perm=[0, 2, 3, 1])
        v = g.op("Transpose", v, perm=[0, 2, 1, 3])
        scores = g.op("Add", g.op("Mul", g.op("MatMul", q, k), scale), bias)
        context = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), merge_heads)
        attn = g.linear(context, f"{p}attention.output.dense", weights)
        x = g.layer_norm(g.op("Add", x, attn), f"{p}attention.output.LayerNorm", weights)
        h = g.linear(x, f"{p}intermediate.dense", weights)
        # Exact GELU, as BERT defines it: 0.5 * h * (1 + erf(h / sqrt(2))).
        h = g.op("Mul", g.op("Mul", h, half), g.op("Add", g.op("Erf", g.op("Mul", h, sqrt_half)), "f_one"))
        out = g.linear(h, f"{p}output.dense", weights)
        x = g.layer_norm(g.op("Add", x, out), f"{p}output.LayerNorm", weights)

    mask3 = g.op("Unsqueeze", mask, g.const("axis_last", i64(-1)))
    summed = g.op("ReduceSum", g.op("Mul", x, mask3), g.const("axis1", i64(1)), keepdims=0)
    counts = g.op("Max", g.op("ReduceSum", mask3, "axis1", keepdims=0), g.const("tiny", f32(1e-9)))
    pooled = g.op("Div", summed, counts)
    norm = g.op(
        "Max", g.op("ReduceL2", pooled, g.const("axis_l", i64(-1)), keepdims=1), g.const("tiny2", f32(1e-12))
    )
    g.nodes.append(helper.make_node("Div", [pooled, norm], ["embeddings"]))

    graph = helper.make_graph(
        g.nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", weights.hidden])],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    return model


class OnnxMiniLM:
    """``forward(ids, mask) -> (batch, 384)`` unit vectors through an onnxruntime CPU session."""

    def __init__(self, weights: MiniLMWeights, threads: int = 0) -> None:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        # Idle worker threads sleep instead of spinning: on a shared 2-core machine spinning costs
        # other processes (and our own event loop) CPU for no gain (measured: bench/README.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        model = build_graph(weights)
        self._session = ort.InferenceSession(
            model.SerializeToString(), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        (out,) = self._session.run(
            ["embeddings"],
            {"input_ids": input_ids.astype(np.int64), "attention_mask": attention_mask.astype(np.int64)},
        )
        return out
