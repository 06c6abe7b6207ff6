"""The delivery adapters against real local servers started by the test: an SMTP server and an HTTP gateway,
including the gateway down (connection refused) and a server that refuses: messages stay queued and back off."""

import json

import pytest
from django.utils import timezone

from ansinh.outreach.adapters import (
    ConsoleAdapter,
    FileAdapter,
    HTTPAdapter,
    SMTPAdapter,
    adapter_from_settings,
)
from ansinh.outreach.models import OutboxMessage
from ansinh.outreach.outbox import backoff, outbox_send
from ansinh.outreach.reminders import reminders_run
from outreach.servers import Gateway, SMTPServer, closed_port
from outreach.test_reminders import run_day


@pytest.fixture
def queued(world):
    reminders_run(on=run_day())
    return {m.person.full_name: m for m in OutboxMessage.objects.select_related("person")}


def test_smtp_adapter_delivers_each_message_to_a_real_smtp_server(queued):
    with SMTPServer() as server:
        adapter = SMTPAdapter(
            host="127.0.0.1", port=server.port, sender="bhxh@laocai.test", to="{phone}@sms.laocai.test"
        )
        assert outbox_send(adapter=adapter)["sent"] == 2
        got = [server.received.get(timeout=10) for _ in range(2)]
    em = queued["Phạm Thị Em"]
    mail = next(g for g in got if g["to"] == ["<0912000005@sms.laocai.test>"])
    assert mail["message"]["Subject"] == "Nhắc gia hạn thẻ BHYT"
    assert mail["message"]["Message-ID"] == f"<outbox-{em.pk}@ansinh>"
    assert mail["message"].get_content().strip() == em.body
    em.refresh_from_db()
    assert em.status == "sent" and em.adapter == "smtp" and em.sent_at is not None


def test_smtp_server_refusing_the_recipient_gives_up(queued):
    with SMTPServer() as server:
        server.refuse_recipients = True
        counts = outbox_send(adapter=SMTPAdapter(host="127.0.0.1", port=server.port))
    assert counts["giving_up"] == 2
    assert all("550" in m.last_error for m in OutboxMessage.objects.all())


def test_smtp_server_down_keeps_the_messages_queued_with_backoff(queued):
    now = timezone.now()
    counts = outbox_send(adapter=SMTPAdapter(host="127.0.0.1", port=closed_port()), now=now)
    assert counts["failed"] == 2
    for m in OutboxMessage.objects.all():
        assert m.status == "failed" and m.attempts == 1 and m.next_attempt_at == now + backoff(1)
        assert "SMTP server unavailable" in m.last_error


def test_http_adapter_posts_json_to_the_gateway(queued):
    with Gateway() as gateway:
        adapter = HTTPAdapter(url=gateway.url, token="s3cret")
        assert outbox_send(adapter=adapter)["sent"] == 2
        got = [gateway.received.get(timeout=10) for _ in range(2)]
    em = queued["Phạm Thị Em"]
    request = next(g for g in got if g["json"]["to"] == "0912000005")
    assert request["json"] == {
        "id": f"outbox-{em.pk}",
        "to": "0912000005",
        "channel": "sms",
        "kind": "hi_expiry",
        "due_date": em.due_date.isoformat(),
        "text": em.body,
    }
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["headers"]["Idempotency-Key"] == f"outbox-{em.pk}"
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_gateway_down_means_queued_with_backoff_and_none_lost(queued):
    now = timezone.now()
    down = HTTPAdapter(url=f"http://127.0.0.1:{closed_port()}/send")
    assert outbox_send(adapter=down, now=now) == {"claimed": 2, "sent": 0, "failed": 2, "giving_up": 0}
    for m in OutboxMessage.objects.all():
        assert m.status == "failed" and m.next_attempt_at == now + backoff(1)
        assert "gateway unavailable" in m.last_error
    assert outbox_send(adapter=down, now=now)["claimed"] == 0  # not before the backoff
    with Gateway() as gateway:  # the gateway is back
        assert outbox_send(adapter=HTTPAdapter(url=gateway.url), now=now + backoff(1))["sent"] == 2
        assert {gateway.received.get(timeout=10)["json"]["id"] for _ in range(2)} == {
            f"outbox-{m.pk}" for m in queued.values()
        }
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_gateway_errors_5xx_retry_4xx_give_up(queued):
    with Gateway(statuses=[503, 400]) as gateway:
        counts = outbox_send(adapter=HTTPAdapter(url=gateway.url))
    assert counts == {"claimed": 2, "sent": 0, "failed": 1, "giving_up": 1}
    assert sorted(OutboxMessage.objects.values_list("last_error", flat=True)) == [
        "gateway answered HTTP 400",
        "gateway answered HTTP 503",
    ]


def test_file_and_console_adapters(queued, tmp_path, capsys):
    path = tmp_path / "outbox.jsonl"
    assert outbox_send(adapter=FileAdapter(path))["sent"] == 2
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert {line["to"] for line in lines} == {"0912000005", "0912000007"}
    OutboxMessage.objects.update(status="queued", next_attempt_at=timezone.now())
    outbox_send(adapter=ConsoleAdapter())
    assert "Phạm Thị Em" in capsys.readouterr().out


def test_the_adapter_is_chosen_from_the_environment(monkeypatch):
    for name in ("ANSINH_OUTBOX_ADAPTER", "ANSINH_SMS_GATEWAY_URL", "ANSINH_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    assert adapter_from_settings().name == "file"
    monkeypatch.setenv("ANSINH_SMTP_HOST", "mail.local")
    assert adapter_from_settings().name == "smtp"
    monkeypatch.setenv("ANSINH_SMS_GATEWAY_URL", "http://gw.local/send")
    assert adapter_from_settings().name == "http"
    with pytest.raises(ValueError):
        adapter_from_settings("pigeon")
