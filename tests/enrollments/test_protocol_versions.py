"""Push answers stay readable by apps of the first release: they validate flags strictly."""

from __future__ import annotations

from sqlmodel import Session

from enroll_common.sync_wire import FIRST_RELEASE_FLAGS, PROTOCOL_HEADER, Flag
from server.enrollments.models import Enrollment
from tests.enrollments.helpers import ready, vsi_record


def test_new_flags_reach_only_apps_that_speak_protocol_2(client, engine, settings):
    ctx = ready(client, engine, settings)
    first_release = {f.value for f in FIRST_RELEASE_FLAGS}
    # A first sign-up the agent calls a renewal: the server derives "new" (kind_changed),
    # and the amount collected differs from the price (amount_adjusted).
    first_release_app = {k: v for k, v in ctx.agent.items() if k != PROTOCOL_HEADER}
    old_app = vsi_record(ctx, citizen_id="066090004401", kind="renewal", amount=1)
    answer = ctx.push_one(old_app, headers=first_release_app)["accepted"]
    assert set(answer["flags"]) <= first_release
    assert "amount_adjusted" in answer["flags"]
    # The re-sent batch (a duplicate) is narrowed the same way.
    again = ctx.push_one(old_app, headers=first_release_app)
    assert again["status"] == "duplicate"
    assert set(again["accepted"]["flags"]) <= first_release

    new_app = vsi_record(ctx, citizen_id="066090004402", kind="renewal", amount=1)
    flags = ctx.push_one(new_app, headers={**ctx.agent, PROTOCOL_HEADER: "2"})["accepted"]["flags"]
    assert {"kind_changed", "amount_adjusted"} <= set(flags)
    # Stored in full whatever the app reads: coordinators see every flag.
    with Session(engine) as s:
        stored = s.get(Enrollment, old_app["id"])
        assert stored is not None
        assert Flag.KIND_CHANGED.value in stored.flags
