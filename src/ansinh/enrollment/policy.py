"""The office's own rules for the desk (not law): how long a quote holds, how early a card can be renewed. The
law's figures are in ``ansinh.rules``' dated parameters."""

from __future__ import annotations

import datetime as dt

QUOTE_VALIDITY = dt.timedelta(minutes=30)  # a quote shown at the desk; paying later needs a fresh one
TRANSFER_VALIDITY = dt.timedelta(days=3)  # a bank transfer must be confirmed within this time
# A card can be renewed from this many days before the current one ends; earlier, the person is "already
# covered". This also stops two agents selling the same person two cards at once.
RENEWAL_WINDOW_DAYS = 60
# "New" participation = no coverage on any day of the 90 days before the payment (docs/domain.md).
NEW_LOOKBACK_DAYS = 90

__all__ = ["NEW_LOOKBACK_DAYS", "QUOTE_VALIDITY", "RENEWAL_WINDOW_DAYS", "TRANSFER_VALIDITY"]
