"""The household-HI and voluntary-SI formulas over whole populations, on numpy int64 arrays.

Same parameters, same exact integer arithmetic and the same half-up rounding as `hi.quote` and `vsi.quote`
(the rounding of ``p x num / den`` is ``(2 p num + den) // (2 den)`` for p >= 0, which is what
`rounding.round_vnd` computes); tests check equality on random cases. Regular modes only (no advance or
back-payment) for VSI.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from fractions import Fraction

import numpy as np

from . import hi as hi_mod
from . import vsi as vsi_mod
from ._util import as_date
from .errors import RuleError, RuleErrorCode
from .params import Parameters, Value, params_or_default
from .rounding import round_vnd

I64 = np.int64


def _round_mul(amount: np.ndarray, share: Fraction) -> np.ndarray:
    num, den = share.numerator, share.denominator
    return (2 * amount * num + den) // (2 * den)


def _round_mul_arr(amount: np.ndarray, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return (2 * amount * num + den) // (2 * den)


def household_ranks(household_id: np.ndarray, is_household_member: np.ndarray) -> np.ndarray:
    """Rank (1, 2, ...) of each household-scheme member within its household, in array order; 0 for others."""
    hh = np.asarray(household_id)
    mask = np.asarray(is_household_member, dtype=bool)
    order = np.argsort(hh, kind="stable")
    hs, ms = hh[order], mask[order].astype(I64)
    cs = np.cumsum(ms)
    starts = np.ones(len(hs), dtype=bool)
    starts[1:] = hs[1:] != hs[:-1]
    start_idx = np.maximum.accumulate(np.where(starts, np.arange(len(hs)), 0))
    before = cs[start_idx] - ms[start_idx]
    ranks_sorted = np.where(ms == 1, cs - before, 0)
    out = np.empty(len(hs), dtype=I64)
    out[order] = ranks_sorted
    return out


def _province_codes(
    provinces: np.ndarray | Sequence[str | int] | str | int | None, n: int
) -> tuple[np.ndarray, list[str | None]]:
    if provinces is None or isinstance(provinces, str | int):
        return np.zeros(n, dtype=I64), [hi_mod.province_key(provinces)]
    keys = [hi_mod.province_key(x) for x in np.asarray(provinces).tolist()]
    uniq = sorted(set(keys), key=lambda k: (k is None, k or ""))
    index = {k: i for i, k in enumerate(uniq)}
    return np.array([index[k] for k in keys], dtype=I64), list(uniq)


def hi_household(
    on: date | str,
    group_idx: np.ndarray,
    ranks: np.ndarray,
    months: int | np.ndarray = 12,
    provinces: np.ndarray | Sequence[str | int] | str | int | None = None,
    groups: Sequence[str] | None = None,
    params: Parameters | None = None,
) -> dict[str, np.ndarray]:
    """HI for many members at once. ``group_idx`` indexes ``groups`` (default `hi.all_groups`, where 0 is
    ``household``); ``ranks`` are household ranks (see `household_ranks`), ignored for other groups."""
    on = as_date(on)
    p = params_or_default(params)
    groups = list(groups) if groups is not None else hi_mod.all_groups(p)
    g = np.asarray(group_idx, dtype=I64)
    n = len(g)
    r = np.asarray(ranks, dtype=I64)
    scalar_months = np.ndim(months) == 0
    m = np.broadcast_to(np.asarray(months, dtype=I64), (n,))
    periods = p.get("hi.payment_periods", on).value
    bad = (
        (int(months) not in periods)
        if scalar_months
        else bool((~np.isin(m, np.array(periods, dtype=I64))).any())
    )
    if bad:
        raise RuleError(
            RuleErrorCode.HI_PERIOD_NOT_ALLOWED,
            f"rows have a period not in {periods}",
            field="months",
        )
    base = p.get("base_salary", on).value
    rate = p.get("hi.rate", on).value
    full = round_vnd(base * rate.numerator, rate.denominator)
    # Which groups occur: a count per code is linear (np.unique would sort a million codes); one group (a batch
    # of one scheme, the common case) is told by its bounds alone.
    lo, hi = (int(g.min()), int(g.max())) if n else (0, -1)
    present = np.array([lo]) if lo == hi else np.flatnonzero(np.bincount(g, minlength=len(groups)))
    hh_code = groups.index(hi_mod.HOUSEHOLD) if hi_mod.HOUSEHOLD in groups else -1
    factors: dict[int, Fraction] = p.get("hi.order_factors", on).value
    last = max(factors)
    # Monthly premium by rank (index 0: a member of a subsidised group pays the full premium).
    table = np.array(
        [full]
        + [
            round_vnd(base * rate.numerator * factors[k].numerator, rate.denominator * factors[k].denominator)
            for k in range(1, last + 1)
        ],
        dtype=I64,
    )
    is_hh = g == hh_code
    if hh_code in present and ((r < 1) & is_hh).any():
        raise RuleError(RuleErrorCode.BAD_INPUT, "household members need a rank >= 1", field="ranks")
    rank_idx = np.minimum(r, last)  # household members: rank >= 1 (checked above), capped at the last factor
    rank_idx *= is_hh  # index 0 for the other groups
    monthly = table[rank_idx]
    prov_idx, prov_keys = _province_codes(provinces, n)
    # share tables by (province, group)
    state_num = np.zeros(len(groups), dtype=I64)
    state_den = np.ones(len(groups), dtype=I64)
    state_shares: dict[int, Fraction] = {}
    for code in present.tolist():
        name = groups[code]
        if name == hi_mod.HOUSEHOLD:
            share = Fraction(0)
        else:
            share = Fraction(hi_mod.quote(on, [name], int(periods[0]), None, p).members[0].state_share)
        state_shares[code] = share
        state_num[code], state_den[code] = share.numerator, share.denominator
    prov_num = np.zeros((len(prov_keys), len(groups)), dtype=I64)
    prov_den = np.ones((len(prov_keys), len(groups)), dtype=I64)
    for pi, key in enumerate(prov_keys):
        for code in present.tolist():
            used: list[Value] = []
            share = hi_mod.provincial_share(p, "hi_topup", key, groups[code], on, used)
            share = min(share, 1 - state_shares[code])
            prov_num[pi, code], prov_den[pi, code] = share.numerator, share.denominator
    if scalar_months:
        # Every amount is a function of (province, group, rank): compute the few combinations exactly once,
        # then gather them for the whole population.
        mm = int(months)
        shape = (len(prov_keys), len(groups), last + 1)
        t_premium = np.zeros(shape, dtype=I64)
        t_state = np.zeros(shape, dtype=I64)
        t_prov = np.zeros(shape, dtype=I64)
        for pi in range(len(prov_keys)):
            for code in present.tolist():
                for k in range(last + 1) if code == hh_code else (0,):
                    prem = int(table[k]) * mm
                    st = round_vnd(prem * int(state_num[code]), int(state_den[code]))
                    pr = min(round_vnd(prem * int(prov_num[pi, code]), int(prov_den[pi, code])), prem - st)
                    t_premium[pi, code, k], t_state[pi, code, k], t_prov[pi, code, k] = prem, st, pr
        cell = g * (last + 1)
        if len(prov_keys) > 1:
            cell += prov_idx * (len(groups) * (last + 1))
        cell += rank_idx
        premium = t_premium.ravel()[cell]
        state = t_state.ravel()[cell]
        prov = t_prov.ravel()[cell]
    else:
        premium = monthly * m
        state = _round_mul_arr(premium, state_num[g], state_den[g])
        prov = np.minimum(
            _round_mul_arr(premium, prov_num[prov_idx, g], prov_den[prov_idx, g]), premium - state
        )
    support = state + prov
    return {
        "monthly_premium": monthly,
        "premium": premium,
        "state_support": state,
        "provincial_support": prov,
        "support": support,
        "payable": premium - support,
    }


def vsi(
    on: date | str,
    income: np.ndarray,
    group_idx: np.ndarray,
    months: int | np.ndarray = 1,
    supported_months_so_far: int | np.ndarray = 0,
    provinces: np.ndarray | Sequence[str | int] | str | int | None = None,
    params: Parameters | None = None,
) -> dict[str, np.ndarray]:
    """Voluntary SI for many people at once, regular modes. ``group_idx`` indexes `vsi.GROUPS` (the group
    whose share applies, i.e. the highest applicable)."""
    on = as_date(on)
    p = params_or_default(params)
    inc = np.asarray(income, dtype=I64)
    n = len(inc)
    g = np.asarray(group_idx, dtype=I64)
    m = np.broadcast_to(np.asarray(months, dtype=I64), (n,)).copy()
    so_far = np.broadcast_to(np.asarray(supported_months_so_far, dtype=I64), (n,))
    modes = p.get("vsi.payment_modes", on).value
    if (~np.isin(m, np.array(modes, dtype=I64))).any():
        raise RuleError(
            RuleErrorCode.VSI_MODE_NOT_ALLOWED, f"some rows have a mode not in {modes}", field="months"
        )
    floor = p.get("poverty_line_rural", on).value
    _, _, ceiling = vsi_mod.income_limits(on, p)
    if (inc < floor).any():
        raise RuleError(
            RuleErrorCode.VSI_INCOME_BELOW_FLOOR,
            f"{int((inc < floor).sum())} incomes are below the floor {floor:,}",
            field="income",
            limit=floor,
        )
    if (inc > ceiling).any():
        raise RuleError(
            RuleErrorCode.VSI_INCOME_ABOVE_CEILING,
            f"{int((inc > ceiling).sum())} incomes are above the ceiling {ceiling:,}",
            field="income",
            limit=ceiling,
        )
    rate = p.get("vsi.rate", on).value
    contribution = _round_mul(inc, rate)
    prov_idx, prov_keys = _province_codes(provinces, n)
    state_tab = np.zeros(len(vsi_mod.GROUPS), dtype=I64)
    prov_tab = np.zeros((len(prov_keys), len(vsi_mod.GROUPS)), dtype=I64)
    basis = rate * floor
    for gi, name in enumerate(vsi_mod.GROUPS):
        state_tab[gi] = round_vnd(basis * Fraction(p.get(f"vsi.state_support.{name}", on).value))
        for pi, key in enumerate(prov_keys):
            used: list[Value] = []
            prov_tab[pi, gi] = round_vnd(basis * hi_mod.provincial_share(p, "vsi_topup", key, name, on, used))
    limit = p.get("vsi.support_max_months", on).value
    supported = np.minimum(m, np.maximum(0, limit - so_far))
    state = np.where(supported > 0, state_tab[g], 0)
    prov = np.where(supported > 0, np.minimum(prov_tab[prov_idx, g], contribution - state), 0)
    support = state + prov
    total_contribution = contribution * m
    total_support = support * supported
    return {
        "monthly_contribution": contribution,
        "state_monthly_support": state,
        "provincial_monthly_support": prov,
        "monthly_support": support,
        "monthly_payable": contribution - support,
        "supported_months": supported,
        "total_contribution": total_contribution,
        "total_support": total_support,
        "total_payable": total_contribution - total_support,
    }
