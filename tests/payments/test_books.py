"""Receipt books: closed by the office of the book's area only, and the closing is audited."""

import pytest

from ansinh.core.errors import ApplicationError
from ansinh.core.models import AuditEvent
from ansinh.payments.models import ReceiptBook
from ansinh.payments.services import book_close
from factories import make_point, make_user


def test_a_manager_of_the_area_closes_a_book_and_it_is_audited(communes):
    point = make_point(area=communes["a"])
    book = ReceiptBook.objects.get(point=point)
    manager = make_user(role="manager", areas=[communes["a"].code])
    book_close(actor=manager, book=book)
    book.refresh_from_db()
    assert book.closed_at is not None
    assert AuditEvent.objects.filter(action="book_close", object_id=str(book.pk), actor=manager).exists()


def test_a_manager_of_another_province_cannot_close_the_book(communes):
    point = make_point(area=communes["a"])
    book = ReceiptBook.objects.get(point=point)
    outsider = make_user(role="manager", areas=[communes["other"].code])
    with pytest.raises(ApplicationError) as refused:
        book_close(actor=outsider, book=book)
    assert refused.value.code == "not_found"
    book.refresh_from_db()
    assert book.closed_at is None
    assert not AuditEvent.objects.filter(action="book_close").exists()
