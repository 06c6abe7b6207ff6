"""ansinh rules: Vietnamese HI and voluntary-SI contributions, subsidies, card validity and pension estimates.

Pure Python (never imports Django). Legal figures live in ``parameters/`` as dated YAML with references; the
formulas (`hi`, `vsi`, `cards`, `pension`, `batch`) read them for a date and compute exactly in integer đồng,
rounding once in `rounding.round_vnd`. See README.md beside this file.
"""

from .errors import ParameterError, RuleError, RuleErrorCode
from .params import Parameters, Value, get, load_dir, load_reform
from .rounding import round_vnd

__all__ = [
    "ParameterError",
    "Parameters",
    "RuleError",
    "RuleErrorCode",
    "Value",
    "get",
    "load_dir",
    "load_reform",
    "round_vnd",
]
