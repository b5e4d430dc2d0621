"""The protobuf half of the Tinker protocol, seen from the server: forward_backward in, its output and samples out.

The schema is the SDK's own (``tinker.proto.tinker_public_pb2``); the SDK encodes requests and decodes
responses, so this module is the mirror image of ``tinker.proto.request_conv`` / ``response_conv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
        offsets = np.cumsum([0] + [array.nbytes for array in arrays], dtype=np.int64)
        batched = record.fields[name]
        batched.data = b"".join(array.tobytes() for array in arrays)
        batched.offsets = offsets.tobytes()
        batched.dtype = pb.DTYPE_FLOAT32
    return message.SerializeToString()


@dataclass
class Sequence:
    """One sampled sequence: its tokens, their logprobs and why it stopped (``stop`` or ``length``)."""

    tokens: list[int]
    logprobs: list[float]
    stop_reason: str


def encode_sample_response(sequences: list[Sequence], prompt_logprobs: list[float] | None) -> bytes:
    """A ``SampleResponse``; ``prompt_logprobs`` has NaN where nothing was scored (the first token)."""
    message = pb.SampleResponse()
    for sequence in sequences:
        message.sequences.add(
            stop_reason=pb.STOP_REASON_STOP if sequence.stop_reason == "stop" else pb.STOP_REASON_LENGTH,
            tokens=np.asarray(sequence.tokens, dtype=np.int32).tobytes(),
            logprobs=np.asarray(sequence.logprobs, dtype=np.float32).tobytes(),
        )
    if prompt_logprobs is not None:
        message.prompt_logprobs = np.asarray(prompt_logprobs, dtype=np.float32).tobytes()
    return message.SerializeToString()
