"""Argument checks for the public entry points (the doors), kept apart from the model.

The model's functions (``pc_numpy.generative``, ``inference``, ``prior``, ``rollout``, ``bptt``,
``adam``, ``hcm``, ``local``) are their formulas: they check nothing.  The entry points
(``init_params``, ``rollout``, ``generate``, ``loss_and_grads``, ``train``, ``retrieve``, ...)
make one call to a check of ``pc_numpy.tools.doors`` at their top, built from the checks here.
Each check names the argument it looks at and says what was expected, so that a wrong call
teaches rather than confuses: ``ValueError`` for a wrong value or shape, ``TypeError`` for a
wrong type.  The common case (float arrays, plain numbers) takes a short path, so that a
student stepping through an entry point reaches the equations in a few steps.

Three more mechanisms live here, each the one place for its kind of failure:

- ``as_scalar`` accepts any Python integer (however large) and any float, and refuses what
  does not fit (an integer above ``MAX_INT`` = 2**63 - 1, an integer too large for a float)
  with a ``ValueError`` naming the argument.
- ``check_memory``: a call that would allocate more than ``memory_budget()`` bytes is refused
  before it allocates anything, with a ``TooLarge`` (a ``ValueError``) naming the arguments
  that set the size and the estimate.
- ``overflow_error``: the entry points run the model under ``np.errstate(over="raise",
  invalid="raise")``; the ``FloatingPointError`` NumPy raises on the line of the equation becomes
  a ``NumericalError`` (a ``ValueError`` and a ``FloatingPointError``) naming the entry point,
  the equation, the time step (or trial) and the likely culprit arguments, worked out only then.
"""
from __future__ import annotations

import numbers
import os
import sys
from typing import Optional, Sequence, Union

import numpy as np

ALWAYS_FITS = 2 ** 24     # 16 MiB: a call that allocates less is never refused by the memory budget
MAX_INT = 2 ** 63 - 1      # the largest integer argument (a size, a count, a seed) accepted
# sigma_c enters the prior as sigma_c**2: outside this range that square under- or overflows in
# float64 (1e-300**2 is 0, 1e300**2 is inf), inside it is a normal number (about 1e-200 .. 1e200)
SIGMA_C_RANGE = (1e-100, 1e100)
BIG = 1.7e308              # below the largest float64: a Python int beyond it cannot become a float


class NumericalError(ValueError, FloatingPointError):
    """A computation overflowed: its result holds NaN or inf although its arguments were finite.

    Attributes: ``function`` (e.g. ``'rollout'``), ``quantity`` (e.g. ``'c'``), ``step`` (the
    first time step or trial where it happened, or None) and ``culprits`` (argument names)."""

    def __init__(self, message: str, *, function: str = "", quantity: str = "",
                 step: Optional[int] = None, culprits: Sequence[str] = ()):
        super().__init__(message)
        self.function, self.quantity, self.step, self.culprits = function, quantity, step, tuple(culprits)


class TooLarge(ValueError):
    """A call would allocate more memory than ``memory_budget()``: refused before allocating."""


def memory_budget() -> int:
    """The most bytes one call may allocate: ``PC_NUMPY_MEMORY_BUDGET`` (bytes) if set, else
    half the machine's physical memory (8 GiB where it cannot be read)."""
    env = os.environ.get("PC_NUMPY_MEMORY_BUDGET")
    if env:
        try:
            return max(1, int(float(env)))
        except ValueError:
            raise ValueError(f"PC_NUMPY_MEMORY_BUDGET must be a number of bytes, got {env!r}") from None
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) // 2
    except (ValueError, OSError, AttributeError):
        return 8 * 2 ** 30


def _bytes(n: float) -> str:
    for unit, size in (("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def check_memory(function: str, nbytes: int, culprits: dict) -> None:
    """Refuse a call of ``function`` that would allocate ``nbytes`` (an estimate, a Python int so
    that it cannot overflow) when that exceeds ``memory_budget()``.  ``culprits``: argument name
    -> value, the sizes that make the estimate (named in the message).  A call of at most
    ``ALWAYS_FITS`` bytes is never refused (and the environment is not even read)."""
    if nbytes <= ALWAYS_FITS:
        return
    budget = memory_budget()
    if nbytes > budget:
        named = ", ".join(f"{k}={v}" for k, v in culprits.items())
        raise TooLarge(f"{function}: {named} would need about {_bytes(nbytes)} of memory, more "
                       f"than the budget of {_bytes(budget)} (half the physical memory; set "
                       f"PC_NUMPY_MEMORY_BUDGET to change it): make {' or '.join(culprits)} smaller")


def trace_bytes(T: int, B: int, O: int, S: int, C: int) -> int:
    """The bytes a rollout allocates (float64): its trace ``T*B*(2O + 3S + C)``, the noise, the
    targets of ``generate`` and the per-step arrays, ``T*B*(O + S + 2C)`` more (Python ints)."""
    return 8 * T * B * (3 * O + 4 * S + 3 * C)


def likely_culprits(**arguments) -> list:
    """The arguments most likely to blame for an overflow, as text with their values (only
    called once one happened): arrays far from unit order (largest magnitude > 1e3; a tuple such
    as ``Params`` counts as one), update rates ``alpha_*``/``sigma_r`` above 10, a ``sigma_c``
    whose pull ``alpha_c / sigma_c**2`` exceeds 1e3 (computed without ``sigma_c**2``) or that is
    outside ``SIGMA_C_RANGE``.  All their names when none stands out (the values together).
    ``arguments``: name -> array, number or tuple of arrays (None is skipped)."""
    found, names = [], []
    alpha_c = arguments.get("alpha_c")
    for name, value in arguments.items():
        if value is None or name in ("tau", "check"):
            continue
        names.append(name)
        if isinstance(value, tuple):                            # Params, a Model's arrays
            big = max((float(np.max(np.abs(v))) for v in value if np.size(v)), default=0.0)
        else:
            big = float(np.max(np.abs(value))) if np.size(value) else 0.0
        if name == "sigma_c":
            pull = alpha_c / big / big if alpha_c else 0.0
            if pull > 1e3:
                found.append(f"sigma_c={big:g} (the prior's pull alpha_c / sigma_c**2 = {pull:.3g})")
            elif not SIGMA_C_RANGE[0] <= big <= SIGMA_C_RANGE[1]:
                found.append(f"sigma_c={big:g}")
        elif isinstance(value, tuple) or np.ndim(value):
            if big > 1e3:
                found.append(f"{name} (max |value| = {big:.3g}; unit-order values are expected)")
        elif name.startswith("alpha") or name == "sigma_r":
            if big > 10:
                found.append(f"{name}={big:g}")
    return found or names                        # no single one is extreme: the values together


def _equation_of(exc: BaseException) -> str:
    """The name of the innermost function of the model (pc_numpy or pc_torch, not their tools)
    on the traceback of ``exc``: the equation whose line overflowed."""
    name, tb = "", exc.__traceback__
    while tb is not None:
        path = tb.tb_frame.f_code.co_filename.replace("\\", "/")
        if ("/pc_numpy/" in path or "/pc_torch/" in path) and "/tools/" not in path \
                and "/protocols/" not in path:
            name = tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return name


def overflow_error(function: str, exc: FloatingPointError, *, step: Optional[int] = None,
                   step_name: str = "time step", **arguments) -> "NumericalError":
    """The clear error for an overflow that NumPy raised inside the model (an entry point runs
    the model under ``np.errstate(over="raise", invalid="raise")``, so the error is raised on the
    line of the equation, where ``pdb.pm()`` lands).  Names ``function`` (the entry point), the
    equation, the ``step`` and the likely culprits among ``arguments`` (``likely_culprits``:
    computed here, only once something went wrong)."""
    where = f" at {step_name} {step}" if step is not None else ""
    if isinstance(exc, NumericalError):        # already made clear by an entry point called inside
        if exc.function == function:
            return exc
        return NumericalError(f"{function}{where}: {exc}", function=function, quantity=exc.quantity,
                              step=exc.step if step is None else step, culprits=exc.culprits)
    equation = _equation_of(exc) or function
    culprits = likely_culprits(**arguments)
    blame = f"; the likely culprit: {', '.join(culprits)}" if culprits else ""
    return NumericalError(f"{function}: {equation} overflowed to NaN or inf{where} ({exc}) although "
                          f"the arguments are finite{blame}", function=function, quantity=equation,
                          step=step, culprits=[c.split(" ")[0].split("=")[0] for c in culprits])


Dim = Union[int, str, None]   # an exact size, a symbol to agree across arguments, or any size


def _describe_shape(shape: Sequence[Dim]) -> str:
    return "(" + ", ".join("*" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def check_shape(name: str, got: tuple, shape: Sequence[Dim], dims: Optional[dict]) -> None:
    """Check the shape ``got`` of argument ``name`` against ``shape`` (ints exact, ``None`` any,
    symbols recorded in ``dims`` the first time and required to agree afterwards).  ``dims``
    also keeps, under ``"_seen"``, the arguments checked so far, to name the one a size came from."""
    if len(got) != len(shape):
        raise ValueError(f"{name} must have shape {_describe_shape(shape)} ({len(shape)}-D), "
                         f"got shape {got}")
    for want, size in zip(shape, got):
        if want is not None and want != size and (type(want) is not str or dims is not None
                                                  and dims.setdefault(want, size) != size):
            raise ValueError(f"{name} must have shape {_describe_shape(shape)}"
                             f"{_agreement(want, dims)}, got shape {got}")
    if dims is not None:
        dims.setdefault("_seen", []).append((name, shape))


def _agreement(symbol, dims) -> str:
    """`` with B = 4 (from x)``: the size a symbol took and the argument it came from."""
    if type(symbol) is not str:
        return ""
    source = next((n for n, pattern in dims.get("_seen", ()) if symbol in pattern), "an earlier argument")
    return f" with {symbol} = {dims[symbol]} (from {source})"


FLOATS = (np.dtype(np.float64), np.dtype(np.float32))   # kept as they are: the dtype follows the data


def as_float_array(name: str, value, shape: Optional[Sequence[Dim]] = None,
                   dims: Optional[dict] = None, *, finite: bool = True,
                   allow_empty: bool = False) -> np.ndarray:
    """Return ``value`` as a floating array after checking its type, shape and values.

    float64 and float32 arrays are kept as they are (the computation then runs in their
    precision); integers and other floats become float64.  ``shape`` lists the expected sizes:
    an ``int`` is exact, ``None`` is any size, a ``str`` is a symbol (``"B"``, ``"S"``...) whose
    size is recorded in ``dims`` the first time it is seen and must agree afterwards, so that
    arguments can be checked against each other.
    """
    if type(value) is np.ndarray and value.dtype in FLOATS:     # the common case: nothing to convert
        arr = value
    else:
        arr = _converted(name, value)
    if shape is not None:
        check_shape(name, arr.shape, shape, dims)
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    # np.isfinite(arr).all(), as one ufunc call (``ndarray.all`` runs Python code of NumPy's)
    if finite and not np.logical_and.reduce(np.isfinite(arr), axis=None):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def _converted(name: str, value) -> np.ndarray:
    """``value`` (not a float64/float32 ndarray) as an array of floats, or a clear error: a masked
    array is refused (``numpy.ma`` is looked up only if something already imported it: a masked
    array cannot exist otherwise), so are booleans, strings, objects and ragged lists."""
    ma = sys.modules.get("numpy.ma")
    if ma is not None and isinstance(value, ma.MaskedArray):
        raise TypeError(f"{name} is a masked array: masks are not supported (the masked values "
                        f"would be used as if they were data); pass {name}.filled(...) or drop "
                        f"the masked entries")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (np.ndarray, numbers.Real, list, tuple)):
        raise TypeError(f"{name} must be a numpy array of real numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numpy array of real numbers ({exc})") from None
    if arr.dtype in FLOATS:
        return arr
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers (float or int), got dtype {arr.dtype}")
    return arr.astype(np.float64)


def as_scalar(name: str, value, *, low: Optional[float] = None, low_inclusive: bool = True,
              high: Optional[float] = None, integer: bool = False) -> float:
    """Return ``value`` as a Python number after checking it is a finite real (>= or > ``low``,
    and <= ``high`` if given).

    Any Python integer is accepted as input, however large: an ``integer`` must be at most
    ``MAX_INT`` (2**63 - 1) unless ``high`` says less; a real must fit in a float64."""
    ok_types = (numbers.Integral,) if integer else (numbers.Real,)
    # np.timedelta64 registers itself as a numbers.Integral: a duration is not a number here
    if isinstance(value, (bool, np.bool_, np.timedelta64)) or not isinstance(value, ok_types):
        kind = "an integer" if integer else "a real number"
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__}")
    if isinstance(value, np.ndarray):  # 0-d arrays count as numbers.Real only via np.generic
        value = value.item()
    if integer:
        number = int(value)                                    # exact, however large
        if number > MAX_INT and (high is None or high > MAX_INT):
            raise ValueError(f"{name} must be <= 2**63 - 1, got an integer of {len(str(number))} digits")
    else:
        try:
            number = float(value)
        except OverflowError:
            raise ValueError(f"{name} must be finite, got {str(value)[:20]}... "
                             f"({len(str(value))} digits, too large for a float)") from None
        if not np.isfinite(number):
            raise ValueError(f"{name} must be finite, got {value}")
    if low is not None:
        if low_inclusive and number < low:
            raise ValueError(f"{name} must be >= {low}, got {value}")
        if not low_inclusive and number <= low:
            raise ValueError(f"{name} must be > {low}, got {value}")
    if high is not None and number > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return number


def check_mask(name: str, value, shape: Sequence[Dim], dims: Optional[dict] = None) -> np.ndarray:
    """Return a mask of 0/1 (``observed``) as a float64 array after checking its shape and that
    every entry is 0 or 1 (booleans are accepted here)."""
    if isinstance(value, np.ndarray) and value.dtype == np.bool_:
        value = value.astype(np.float64)
    arr = as_float_array(name, value, shape, dims)
    if not np.isin(arr, (0.0, 1.0)).all():
        raise ValueError(f"{name} must hold only 0 (not observed) and 1 (observed), "
                         f"got values such as {arr[~np.isin(arr, (0.0, 1.0))].flat[0]!r}")
    return arr


def check_sigma_c(sigma_c, name: str = "sigma_c") -> float:
    """The prior width: a real in ``SIGMA_C_RANGE`` = [1e-100, 1e100], where ``sigma_c**2`` is
    exact in float64 (outside it the square under- or overflows: NaN responsibilities, or an
    ``OverflowError``).  Shared by the prior's functions and the rollout (both backends)."""
    value = as_scalar(name, sigma_c)
    low, high = SIGMA_C_RANGE
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low:g}, {high:g}] (> 0, and within the range where "
                         f"{name}**2 neither underflows nor overflows in float64), got {sigma_c}")
    return value


def check_rates(*, tau, alpha_x, alpha_h, alpha_c, sigma_r, sigma_c) -> dict:
    """Check the hyper-parameters of the model's rules (1)-(8) and return them as floats (a dict
    of the same names); ``sigma_c`` by ``check_sigma_c``.  (Used by ``rollout``, both backends.)"""
    plain = {type(tau), type(alpha_x), type(alpha_h), type(alpha_c), type(sigma_r), type(sigma_c)}
    if plain <= {float, int} and 1 <= tau < BIG and 0 <= alpha_x < BIG and 0 <= alpha_h < BIG \
            and 0 <= alpha_c < BIG and 0 <= sigma_r < BIG and SIGMA_C_RANGE[0] <= sigma_c <= SIGMA_C_RANGE[1]:
        return dict(tau=float(tau), alpha_x=float(alpha_x), alpha_h=float(alpha_h),   # the common case
                    alpha_c=float(alpha_c), sigma_r=float(sigma_r), sigma_c=float(sigma_c))
    return dict(
        tau=as_scalar("tau", tau, low=1),
        alpha_x=as_scalar("alpha_x", alpha_x, low=0),
        alpha_h=as_scalar("alpha_h", alpha_h, low=0),
        alpha_c=as_scalar("alpha_c", alpha_c, low=0),
        sigma_r=as_scalar("sigma_r", sigma_r, low=0),
        sigma_c=check_sigma_c(sigma_c),                  # in [1e-100, 1e100]: sigma_c**2 is exact
    )


def check_rng(name: str, rng) -> np.random.Generator:
    """Check that ``rng`` is a ``numpy.random.Generator`` (no global random state is ever used)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
                        f"got {type(rng).__name__}")
    return rng
