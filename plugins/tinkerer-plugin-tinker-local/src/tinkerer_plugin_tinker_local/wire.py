"""The protobuf half of the Tinker protocol, seen from the server: forward_backward in, its output and samples out.

The schema is the SDK's own (``tinker.proto.tinker_public_pb2``); the SDK encodes requests and decodes
responses, so this module is the mirror image of ``tinker.proto.request_conv`` / ``response_conv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tinker.proto import tinker_public_pb2 as pb

_NUMPY_DTYPES = {pb.DTYPE_FLOAT32: np.float32, pb.DTYPE_INT64: np.int64, pb.DTYPE_INT32: np.int32}


class WireError(ValueError):
    """A request body the server cannot decode."""


@dataclass
class Example:
    """One datum of a forward_backward request: input tokens and named loss inputs (dense arrays)."""

    tokens: np.ndarray  # int64 [T]
    inputs: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class ForwardBackward:
    """A decoded forward_backward (or forward) request."""

    model_id: str
    seq_id: int
    loss_fn: str
    loss_config: dict[str, float | str]
    forward_only: bool
    examples: list[Example]


def decode_forward_backward(body: bytes) -> ForwardBackward:
    """Decode a ``ForwardBackwardRequest`` body."""
    message = pb.ForwardBackwardRequest()
    try:
        message.ParseFromString(body)
    except Exception as error:  # protobuf raises DecodeError, a private type
        raise WireError(f"forward_backward body is not a ForwardBackwardRequest protobuf: {error}") from None
    config: dict[str, float | str] = dict(message.loss_fn_config)
    for key, value in message.loss_fn_config_v2.items():
        config[key] = value.text if value.WhichOneof("value") == "text" else value.number
    return ForwardBackward(
        model_id=message.model_id,
        seq_id=message.seq_id,
        loss_fn=message.loss_fn,
        loss_config=config,
        forward_only=message.forward_only,
        examples=[_example(datum) for datum in message.data],
    )


def _example(datum: pb.Datum) -> Example:
    tokens: list[np.ndarray] = []
    for chunk in datum.model_input:
        kind = chunk.WhichOneof("chunk")
        if kind != "encoded_text":
            raise WireError(f"model input chunks of type {kind!r} are not supported locally; send encoded_text")
        tokens.append(np.frombuffer(chunk.encoded_text.tokens, dtype=np.int32))
    joined = np.concatenate(tokens).astype(np.int64) if tokens else np.zeros(0, dtype=np.int64)
    return Example(joined, {name: _dense(tensor) for name, tensor in datum.loss_fn_inputs.items()})


def _dense(tensor: pb.Tensor) -> np.ndarray:
    dtype = _NUMPY_DTYPES.get(tensor.dtype)
    if dtype is None:
        raise WireError(f"unsupported tensor dtype {tensor.dtype}")
    shape = tuple(tensor.shape)
    if not tensor.HasField("sparse_csr"):
        values = np.frombuffer(tensor.dense, dtype=dtype)
        return values.reshape(shape) if shape else values
    csr = tensor.sparse_csr
    dense = np.zeros(shape, dtype=dtype)
    rows = np.frombuffer(csr.crow_indices, dtype=np.int64)
    columns = np.frombuffer(csr.col_indices, dtype=np.int64)
    values = np.frombuffer(csr.values, dtype=dtype)
    view = dense.reshape(len(rows) - 1, -1)
    for row in range(len(rows) - 1):
        start, end = rows[row], rows[row + 1]
        view[row, columns[start:end]] = values[start:end]
    return dense


def encode_forward_backward_output(outputs: list[dict[str, np.ndarray]], metrics: dict[str, float]) -> bytes:
    """A ``ForwardBackwardOutput``: one batched record of per-datum float32 arrays, plus metrics."""
    message = pb.ForwardBackwardOutput(loss_fn_output_type="ArrayRecord", metrics=metrics)
    record = message.loss_fn_outputs.add(type_tag="ArrayRecord", num_datums=len(outputs))
    for name in outputs[0] if outputs else ():
        arrays = [np.ascontiguousarray(output[name], dtype=np.float32) for output in outputs]
        trailing = {array.shape[1:] for array in arrays}  # one per field and batch: [T] or [T, K] for every datum
        if len(trailing) > 1:
            raise WireError(f"the data of one request must all have targets of one shape; got {sorted(trailing)}")
        offsets = np.cumsum([0] + [array.nbytes for array in arrays], dtype=np.int64)
        batched = record.fields[name]
        batched.data = b"".join(array.tobytes() for array in arrays)
        batched.offsets = offsets.tobytes()
        batched.dtype = pb.DTYPE_FLOAT32
        batched.trailing_shape.extend(trailing.pop())
    return message.SerializeToString()


TopK = tuple[np.ndarray, np.ndarray]  # [N, k] int32 token ids and float32 logprobs


@dataclass
class Sequence:
    """One sampled sequence: its tokens, their logprobs, why it stopped (``stop`` or ``length``), its top-k."""

    tokens: list[int]
    logprobs: list[float]
    stop_reason: str
    topk: TopK | None = None


@dataclass
class PromptScores:
    """What a sample request asked of its prompt; None where it asked nothing."""

    logprobs: list[float] | None = None  # NaN where nothing was scored (the first token, or before the last N)
    topk: TopK | None = None  # one row per prompt position, sentinel rows where nothing was scored
    targets: np.ndarray | None = None  # [len(prompt) - 1, K] float32 logprobs of the named ids, 0 for -1
    alternatives: tuple[np.ndarray, np.ndarray] | None = None  # [len(prompt) - 1, k] int64 draws, their logprobs


def _topk(topk: TopK) -> pb.TopkLogprobs:
    ids, logprobs = topk
    return pb.TopkLogprobs(
        token_ids=np.ascontiguousarray(ids, dtype=np.int32).tobytes(),
        logprobs=np.ascontiguousarray(logprobs, dtype=np.float32).tobytes(),
        k=int(ids.shape[1]),
        length=int(ids.shape[0]),
    )


def _tensor(array: np.ndarray, dtype: pb.DType.ValueType) -> pb.Tensor:
    numpy_dtype = {pb.DTYPE_FLOAT32: np.float32, pb.DTYPE_INT64: np.int64}[dtype]
    return pb.Tensor(dense=np.ascontiguousarray(array, dtype=numpy_dtype).tobytes(), dtype=dtype, shape=array.shape)


def encode_sample_response(sequences: list[Sequence], scores: PromptScores) -> bytes:
    """A ``SampleResponse`` with whatever the request asked of the prompt and of each sampled token."""
    message = pb.SampleResponse()
    for sequence in sequences:
        added = message.sequences.add(
            stop_reason=pb.STOP_REASON_STOP if sequence.stop_reason == "stop" else pb.STOP_REASON_LENGTH,
            tokens=np.asarray(sequence.tokens, dtype=np.int32).tobytes(),
            logprobs=np.asarray(sequence.logprobs, dtype=np.float32).tobytes(),
        )
        if sequence.topk is not None:
            added.topk_sampled_logprobs.CopyFrom(_topk(sequence.topk))
    if scores.logprobs is not None:
        message.prompt_logprobs = np.asarray(scores.logprobs, dtype=np.float32).tobytes()
    if scores.topk is not None:
        message.topk_prompt_logprobs.CopyFrom(_topk(scores.topk))
    if scores.targets is not None:
        message.target_prompt_logprobs.CopyFrom(_tensor(scores.targets, pb.DTYPE_FLOAT32))
    if scores.alternatives is not None:
        tokens, logprobs = scores.alternatives
        message.prompt_alt_tokens.tokens.CopyFrom(_tensor(tokens, pb.DTYPE_INT64))
        message.prompt_alt_tokens.logprobs.CopyFrom(_tensor(logprobs, pb.DTYPE_FLOAT32))
    return message.SerializeToString()


def dense_tensor(model: dict[str, Any]) -> np.ndarray:
    """A JSON ``TensorData`` (``data``, ``dtype``, ``shape``, optional CSR indices) as a dense array."""
    dtype = {"int64": np.int64, "float32": np.float32}.get(model.get("dtype", "int64"))
    if dtype is None:
        raise WireError(f"unsupported tensor dtype {model.get('dtype')!r}; send int64 or float32")
    shape = tuple(model.get("shape") or ())
    values = np.asarray(model["data"], dtype=dtype)
    if model.get("sparse_crow_indices") is None:
        return values.reshape(shape) if shape else values
    dense = np.full(shape, -1 if dtype is np.int64 else 0, dtype=dtype)
    rows, columns = model["sparse_crow_indices"], model["sparse_col_indices"]
    for row in range(len(rows) - 1):
        dense[row, columns[rows[row] : rows[row + 1]]] = values[rows[row] : rows[row + 1]]
    return dense
