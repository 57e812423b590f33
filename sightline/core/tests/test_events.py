"""The event log: hash-chained, append-only, checked by `verify_events` (also against checkpoints
kept outside the database), with control characters encoded and the peer address (never a
forwarded header) recorded."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from sightline.core.events import (
    checkpoint_file,
    read_checkpoints,
    record_event,
    verify_chain,
    write_checkpoint,
)
from sightline.core.models import Event
from sightline.core.registry import daily_jobs

pytestmark = pytest.mark.django_db


def three_events() -> list[Event]:
    return [record_event(action=f"test.step{n}", reason=f"Step {n}") for n in range(3)]


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- The chain -----------------------------------------------------------------------------


def test_each_event_links_to_the_hash_of_the_one_before():
    first, second, third = three_events()

    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    previous = Event.objects.filter(id__lt=first.id).order_by("-id").first()
    assert first.prev_hash == (previous.hash if previous else "0" * 64)


def test_an_untouched_chain_verifies():
    three_events()

    report = verify_chain()

    assert report.ok
    assert report.checked == Event.objects.count()


def test_a_row_edited_outside_the_application_is_named_by_the_check():
    _, second, _ = three_events()

    raw("UPDATE core_event SET reason='x' WHERE id=%s", second.id)

    report = verify_chain()
    assert not report.ok
    assert report.broken_at == second.id
    assert "content" in report.problem


def test_a_row_whose_hash_was_also_recomputed_breaks_the_next_link():
    _, second, third = three_events()

    raw("UPDATE core_event SET reason='x', hash=%s WHERE id=%s", "f" * 64, second.id)

    report = verify_chain()
    assert report.broken_at == second.id
    raw("UPDATE core_event SET reason=%s, hash=%s WHERE id=%s", "Step 1", second.hash, second.id)
    assert verify_chain().ok
    raw("UPDATE core_event SET prev_hash=%s WHERE id=%s", "e" * 64, third.id)
    assert verify_chain().broken_at == third.id


def test_a_deleted_middle_row_is_reported_at_the_event_after_it():
    _, second, third = three_events()

    raw("DELETE FROM core_event WHERE id=%s", second.id)

    report = verify_chain()
    assert report.broken_at == third.id
    assert "link" in report.problem


def test_a_deleted_last_row_is_reported():
    _, second, third = three_events()

    raw("DELETE FROM core_event WHERE id=%s", third.id)

    report = verify_chain()
    assert not report.ok
    assert report.broken_at == second.id + 1
    assert "missing" in report.problem


# --- The management command ----------------------------------------------------------------


def test_verify_events_says_intact_when_the_chain_is_whole(capsys):
    three_events()

    call_command("verify_events")

    assert "intact" in capsys.readouterr().out


def test_verify_events_fails_naming_the_broken_event():
    _, second, _ = three_events()
    raw("UPDATE core_event SET action='test.forged' WHERE id=%s", second.id)

    with pytest.raises(CommandError, match=rf"broken at event {second.id}\b"):
        call_command("verify_events")


# --- Append-only ---------------------------------------------------------------------------


def test_saving_an_existing_event_again_is_refused():
    event = record_event(action="test.append")
    event.reason = "changed"

    with pytest.raises(PermissionError):
        event.save()

    assert Event.objects.get(pk=event.pk).reason == ""


def test_deleting_an_event_is_refused():
    event = record_event(action="test.append")

    with pytest.raises(PermissionError):
        event.delete()

    assert Event.objects.filter(pk=event.pk).exists()


# --- Log injection -------------------------------------------------------------------------


def test_control_characters_and_ansi_escapes_are_stored_encoded():
    event = record_event(
        action="test.inject\n",
        actor_label="eve\x1b[31m\nINFO forged line",
        reason="first\r\nsecond\x00\x7f",
        object_type="x\ty",
    )

    stored = Event.objects.get(pk=event.pk)
    assert stored.actor_label == "eve\\x1b[31m\\x0aINFO forged line"
    assert stored.reason == "first\\x0d\\x0asecond\\x00\\x7f"
    assert stored.action == "test.inject\\x0a"
    assert stored.object_type == "x\\x09y"
    assert "\x1b" not in stored.actor_label
    assert verify_chain().ok


def test_eight_bit_control_characters_and_unicode_line_breaks_are_stored_encoded():
    event = record_event(
        action="test.inject", actor_label="eve\x9b31m\x85next", reason="a\u2028b\u2029c"
    )

    stored = Event.objects.get(pk=event.pk)
    assert stored.actor_label == "eve\\x9b31m\\x85next"
    assert stored.reason == "a\\u2028b\\u2029c"
    assert verify_chain().ok


def test_ordinary_text_is_stored_unchanged():
    event = record_event(action="test.plain", actor_label="Zoë O'Brien", reason="Tab-free: é ü ß")

    stored = Event.objects.get(pk=event.pk)
    assert stored.actor_label == "Zoë O'Brien"
    assert stored.reason == "Tab-free: é ü ß"


# --- Where from ----------------------------------------------------------------------------


def test_the_peer_address_is_recorded_and_a_forwarded_header_is_ignored():
    Client().post(
        reverse("accounts:sign-in"),
        {"email": "someone@example.org", "password": "not the password"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    event = Event.objects.filter(action="auth.password_failed").get()
    assert event.ip_address == "203.0.113.9"
    assert event.actor_label == "someone@example.org"


def test_an_event_outside_a_request_has_no_address():
    assert record_event(action="test.offline").ip_address is None


# --- Checkpoints outside the database ------------------------------------------------------


@pytest.fixture
def checkpoint_dir(settings, tmp_path):
    settings.SIGHTLINE_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.SIGHTLINE_CHECKPOINT_DIR


def cut_the_tail(keep: Event) -> None:
    """What someone with database access would do: delete the newest events with raw SQL and
    point the chain head at the last one kept, so the chain still links from end to end."""
    kept = Event.objects.filter(id__lte=keep.id).count()
    raw("DELETE FROM core_event WHERE id > %s", keep.id)
    raw("UPDATE core_eventchainhead SET last_hash=%s, count=%s WHERE id=1", keep.hash, kept)


def test_a_checkpoint_goes_to_the_log_and_is_appended_to_the_file(checkpoint_dir, caplog):
    three_events()
    caplog.set_level("INFO", logger="sightline.events.checkpoint")

    first = write_checkpoint()
    record_event(action="test.later")
    second = write_checkpoint()

    lines = (checkpoint_dir / "event-log-checkpoints.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"at": first.at, "count": first.count, "head": first.head},
        {"at": second.at, "count": second.count, "head": second.head},
    ]
    assert (first.count, first.head) == (
        Event.objects.count() - 1,
        Event.objects.order_by("-id")[1].hash,
    )
    assert (second.count, second.head) == (Event.objects.count(), Event.objects.last().hash)
    logged = [r.getMessage() for r in caplog.records if r.name == "sightline.events.checkpoint"]
    assert logged == [
        f"event log checkpoint {first.line()}",
        f"event log checkpoint {second.line()}",
    ]


def test_a_log_cut_short_passes_the_plain_check_but_not_the_checkpoint(checkpoint_dir, capsys):
    first, _, _ = three_events()
    write_checkpoint()
    checkpoints = checkpoint_dir / "event-log-checkpoints.jsonl"

    cut_the_tail(keep=first)

    # The chain itself still links from end to end, so on its own it looks intact...
    assert verify_chain().ok
    call_command("verify_events")
    assert "Event log intact" in capsys.readouterr().out
    # ...but it is shorter than it was when the checkpoint was written.
    with pytest.raises(CommandError) as refused:
        call_command("verify_events", checkpoint=[str(checkpoints)])
    message = str(refused.value)
    assert f"checkpoint in {checkpoints} line 1" in message
    assert "fewer than" in message


def test_a_log_cut_short_and_written_again_differs_from_the_checkpoint(checkpoint_dir):
    first, _, _ = three_events()
    checkpoint = write_checkpoint()
    cut_the_tail(keep=first)
    for n in range(3):  # new events take the count back past the checkpoint's
        record_event(action=f"test.rewritten{n}")
    assert Event.objects.count() > checkpoint.count
    assert verify_chain().ok

    report = verify_chain(checkpoints=read_checkpoints(checkpoint_file()))

    assert not report.ok
    assert report.checkpoint.count == checkpoint.count
    assert "differs from the checkpoint" in report.problem
    with pytest.raises(CommandError, match="differs from the checkpoint"):
        call_command("verify_events", checkpoint=[str(checkpoint_file())])


def test_a_log_that_has_grown_since_its_checkpoints_matches_them(checkpoint_dir, capsys):
    three_events()
    write_checkpoint()
    record_event(action="test.later")
    write_checkpoint()
    record_event(action="test.later still")

    call_command("verify_events", checkpoint=[str(checkpoint_file())])

    out = capsys.readouterr().out
    assert "Event log intact" in out
    assert "matches 2 checkpoints" in out


def test_checkpoint_lines_taken_from_the_log_stream_are_read_too(checkpoint_dir, tmp_path):
    three_events()
    checkpoint = write_checkpoint()
    from_log = tmp_path / "from-the-log.txt"
    from_log.write_text(
        f"2026-03-05 06:00:01,123 INFO sightline.events.checkpoint event log checkpoint "
        f"{checkpoint.line()}\n\n"
    )

    assert [(c.count, c.head) for c in read_checkpoints(from_log)] == [
        (checkpoint.count, checkpoint.head)
    ]


@pytest.mark.parametrize(
    "line",
    [
        "not a checkpoint",
        '{"count": 3, "at": "2026-03-05T06:00:00+00:00"}',
        '{"count": -1, "head": "' + "a" * 64 + '", "at": "x"}',
        '{"count": 3, "head": "nothex", "at": "x"}',
    ],
)
def test_a_damaged_checkpoint_file_fails_naming_the_line(tmp_path, line):
    damaged = tmp_path / "checkpoints.jsonl"
    damaged.write_text('{"at": "x", "count": 0, "head": "' + "0" * 64 + '"}\n' + line + "\n")

    with pytest.raises(CommandError, match=rf"{damaged} line 2 is not an event log checkpoint"):
        call_command("verify_events", checkpoint=[str(damaged)])


def test_a_missing_checkpoint_file_fails_naming_it(tmp_path):
    with pytest.raises(CommandError, match="Cannot read the checkpoint file"):
        call_command("verify_events", checkpoint=[str(tmp_path / "absent.jsonl")])


def test_the_checkpoint_is_a_daily_job_the_scheduler_runs(checkpoint_dir):
    three_events()
    job = daily_jobs()["event-log-checkpoint"]

    job.enqueue("2026-03-05")  # the tests' immediate backend runs it at once

    [line] = (checkpoint_dir / "event-log-checkpoints.jsonl").read_text().splitlines()
    assert json.loads(line)["count"] == Event.objects.count()
