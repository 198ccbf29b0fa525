"""A strict stand-in for CuPy, on NumPy: device arrays that refuse to meet host arrays.

CI has no GPU, so the CuPy tests skip there. The commonest CuPy bug, though, needs no GPU to
show: a NumPy array reaching a device computation, a NumPy function applied to a device array,
a host value read without ``to_host``. CuPy raises TypeError on each ("Differences between CuPy
and NumPy": no implicit conversion to NumPy, functions take CuPy arrays and scalars only). This
module enforces those rules on arrays that hold NumPy data underneath, so the engine and the
grader can run on it wherever the tests run. It does not model GPU arithmetic: the values are
NumPy's, which lets tests compare them with the NumPy path bit for bit.

Only what the project uses is offered; anything else raises AttributeError, as a function
CuPy lacks would.
"""

from __future__ import annotations

import types
from typing import Any

import numpy

from service.engine import Backend


class DeviceRuleBroken(TypeError):
    """A host array met a device array where CuPy would refuse it."""


class DeviceArray:
    """An array "on the device": operations take device arrays and Python scalars only."""

    __slots__ = ("_data",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, data: numpy.ndarray):
        self._data = data

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    dtype = property(lambda self: self._data.dtype)
    size = property(lambda self: self._data.size)
    T = property(lambda self: _wrapped(self._data.T))

    def get(self) -> numpy.ndarray:
        """Device to host: the one sanctioned way out (``to_host`` calls it)."""
        return self._data.copy()

    def tolist(self) -> list:
        return self._data.tolist()

    def __array__(self, *args: Any, **kwargs: Any) -> numpy.ndarray:
        raise DeviceRuleBroken("implicit conversion of a device array to NumPy")

    def __array_function__(self, function: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        raise DeviceRuleBroken(f"numpy.{function.__name__} called on a device array")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        raise DeviceRuleBroken(f"numpy.{ufunc.__name__} called on a device array")

    def __bool__(self) -> bool:
        return bool(self._data)  # CuPy allows it for one element (a synchronisation)

    def __float__(self) -> float:
        return float(self._data)

    def __int__(self) -> int:
        return int(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Any:
        raise DeviceRuleBroken("iterating over a device array element by element")

    def __getitem__(self, index: Any) -> DeviceArray:
        return _wrapped(self._data[_index(index)])

    def __setitem__(self, index: Any, value: Any) -> None:
        self._data[_index(index)] = _unwrapped(_checked(value, "setitem"))

    def reshape(self, *shape: Any) -> DeviceArray:
        return _wrapped(self._data.reshape(*shape))

    def ravel(self) -> DeviceArray:
        return _wrapped(self._data.ravel())

    def transpose(self, *axes: int) -> DeviceArray:
        return _wrapped(self._data.transpose(*axes))

    def astype(self, dtype: Any, copy: bool = True) -> DeviceArray:
        return _wrapped(self._data.astype(dtype, copy=copy))

    def copy(self) -> DeviceArray:
        return _wrapped(self._data.copy())


def _method(name: str):
    def method(self: DeviceArray, *args: Any, **kwargs: Any) -> Any:
        return _wrapped(getattr(self._data, name)(*_unwrapped(_checked(args, name)), **_unwrapped(kwargs)))

    return method


def _operator(ufunc: str, *, reflected: bool = False):
    def operator(self: DeviceArray, other: Any) -> DeviceArray:
        other = _unwrapped(_checked(other, ufunc))
        operands = (other, self._data) if reflected else (self._data, other)
        return _wrapped(getattr(numpy, ufunc)(*operands))

    return operator


def _in_place(ufunc: str):
    def operator(self: DeviceArray, other: Any) -> DeviceArray:
        getattr(numpy, ufunc)(self._data, _unwrapped(_checked(other, ufunc)), out=self._data)
        return self

    return operator


for _name in ("sum", "any", "all", "max", "min", "nonzero"):
    setattr(DeviceArray, _name, _method(_name))
_OPERATORS = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide", "pow": "power",
    "matmul": "matmul", "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
}  # fmt: skip
for _dunder, _ufunc in _OPERATORS.items():
    setattr(DeviceArray, f"__{_dunder}__", _operator(_ufunc))
    setattr(DeviceArray, f"__r{_dunder}__", _operator(_ufunc, reflected=True))
    setattr(DeviceArray, f"__i{_dunder}__", _in_place(_ufunc))
for _dunder, _ufunc in {"lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal"}.items():
    setattr(DeviceArray, f"__{_dunder}__", _operator(_ufunc))
DeviceArray.__eq__ = _operator("equal")  # type: ignore[assignment]
DeviceArray.__ne__ = _operator("not_equal")  # type: ignore[assignment]
DeviceArray.__neg__ = lambda self: _wrapped(-self._data)  # type: ignore[attr-defined]
DeviceArray.__abs__ = lambda self: _wrapped(abs(self._data))  # type: ignore[attr-defined]
DeviceArray.__invert__ = lambda self: _wrapped(~self._data)  # type: ignore[attr-defined]


def _checked(value: Any, where: str) -> Any:
    """Refuse host arrays (CuPy: TypeError, unsupported type numpy.ndarray)."""
    if isinstance(value, numpy.ndarray) and value.ndim > 0:
        raise DeviceRuleBroken(f"{where}: a host numpy.ndarray {value.shape} in a device computation")
    if isinstance(value, (list, tuple)):
        for item in value:
            _checked(item, where)
    return value


def _wrapped(value: Any) -> Any:
    if isinstance(value, numpy.ndarray):
        return DeviceArray(value)
    if isinstance(value, numpy.generic):  # CuPy's reductions give 0-d arrays, not scalars
        return DeviceArray(numpy.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrapped(item) for item in value)
    return value


def _unwrapped(value: Any) -> Any:
    if isinstance(value, DeviceArray):
        return value._data
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrapped(item) for item in value)
    if isinstance(value, dict):
        return {key: _unwrapped(item) for key, item in value.items()}
    return value


def _index(index: Any) -> Any:
    # CuPy turns host index arrays into device ones (a copy), so they are allowed
    if isinstance(index, tuple):
        return tuple(_index(part) for part in index)
    return _unwrapped(index)


def _function(name: str):
    numpy_function = getattr(numpy, name)

    def function(*args: Any, **kwargs: Any) -> Any:
        _checked(args, f"cupy.{name}")
        _checked(tuple(kwargs.values()), f"cupy.{name}")
        if name == "where" and not isinstance(args[0], DeviceArray):
            raise DeviceRuleBroken("cupy.where: the condition must be a device array")
        if name == "einsum" and {"out", "order", "casting"} & set(kwargs):
            raise DeviceRuleBroken("cupy.einsum takes no out, order or casting")
        return _wrapped(numpy_function(*_unwrapped(args), **_unwrapped(kwargs)))

    function.__name__ = name
    return function


def _asarray(data: Any, dtype: Any = None) -> DeviceArray:
    """Host to device: the one sanctioned way in (``to_device`` calls it)."""
    if isinstance(data, DeviceArray):
        return data if dtype is None else data.astype(dtype)
    return DeviceArray(numpy.array(data, dtype=dtype, copy=True))


def _uninitialised(numpy_function: Any):
    """empty and empty_like: CuPy hands out pooled memory, so these come filled with garbage."""

    def function(*args: Any, **kwargs: Any) -> DeviceArray:
        data = numpy_function(*_unwrapped(_checked(args, numpy_function.__name__)), **kwargs)
        data.fill({"f": numpy.nan, "b": True}.get(data.dtype.kind, 77))
        return DeviceArray(data)

    return function


def _module() -> types.ModuleType:
    module = types.ModuleType("cupy", "strict stand-in for CuPy (tests/strict_device.py)")
    for name in ("float64", "int8", "int64", "bool_", "nan"):
        setattr(module, name, getattr(numpy, name))
    functions = (
        "abs", "broadcast_to", "concatenate", "einsum", "exp", "floor", "full", "full_like", "isfinite", "log10",
        "maximum", "minimum", "nonzero", "ones", "ones_like", "rint", "tanh", "tile", "where", "zeros", "zeros_like",
    )  # fmt: skip
    for name in functions:
        setattr(module, name, _function(name))
    module.asarray = _asarray
    module.empty = _uninitialised(numpy.empty)
    module.empty_like = _uninitialised(numpy.empty_like)
    module.ndarray = DeviceArray
    return module


STRICT_CUPY = _module()


def strict_backend() -> Backend:
    """A backend whose every computation runs on the stand-in (crossover 0), named like CuPy's."""
    return Backend("cupy", STRICT_CUPY, "strict stand-in", "tests/strict_device.py", gpu_crossover=0)
