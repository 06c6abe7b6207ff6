"""Card pages: the public verification page, and the card and batch PDFs for signed-in staff."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils.translation import gettext as _

from ansinh.cards import pdf, selectors, services
from ansinh.cards.api import verify_json
from ansinh.core.dates import format_date
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.documents.pdf import pdf_response
from ansinh.payments.selectors import point_get

from .views import page


def _date(text: str) -> str:
    try:
        return format_date(dt.date.fromisoformat(text))
    except ValueError:
        return text


def verify(request):
    """Paste (or scan) a card's code; a big green "valid" with the card's facts, or a red "not valid"."""
    token = (request.POST.get("token") or request.GET.get("token") or "").strip()
    result = verify_json(token) if token else None
    if result and result.get("valid_from"):
        result["valid_from_display"] = _date(result["valid_from"])
        result["valid_to_display"] = _date(result["valid_to"])
    if result and result.get("state_since"):
        result["state_since_display"] = _date(result["state_since"])
    return render(request, "cards/verify.html", {"token": token, "result": result})


@page
def card_pdf(request, card_id: int):
    card = selectors.card_get(user=request.user, card_id=card_id)
    content = pdf.card_pdf([card])
    if request.method == "POST":  # printed from the page's button; opening the PDF (GET) is only looking
        services.card_mark_printed(actor=request.user, cards=[card])
    return pdf_response(content, f"the-bhyt-{card.number}.pdf")


@page
def batch_pdf(request):
    """?point=<id>&day=YYYY-MM-DD&activity=<id>: the cards of an event on A4 sheets, ten to a page."""
    point = day = activity_id = None
    try:
        if request.GET.get("point"):
            point = point_get(user=request.user, point_id=int(request.GET["point"]))
        if request.GET.get("day"):
            day = dt.date.fromisoformat(request.GET["day"])
        if request.GET.get("activity"):
            activity_id = int(request.GET["activity"])
    except ValueError:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found.")) from None
    if point is None and day is None and activity_id is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Choose a collection point, a day or an activity."))
    cards = list(selectors.cards_for_batch(user=request.user, point=point, day=day, activity_id=activity_id))
    if not cards:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No cards to print."))
    content = pdf.cards_pdf_a4(cards)
    if request.method == "POST":
        services.card_mark_printed(actor=request.user, cards=cards)
    return pdf_response(content, f"the-bhyt-{len(cards)}.pdf")
