"""Interactive ``enroll-agent record`` in a real terminal (pexpect) against a live server.

The README's flow from a fresh device: login, sync, record, sync, on the demo seed, where
the commune allows a first receipt block at first login (issue 12, items 2 and 3).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pexpect
import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from client_sdk.cli import app
from server.auth.security import Passwords
from server.demo import DEMO_PASSWORD, seed_demo
from tests.factories import keep_vsi_floor_in_force

AGENT = Path(sys.executable).parent / "enroll-agent"


@pytest.fixture
def demo(live_server, engine, settings):
    with Session(engine, expire_on_commit=False) as s:
        seed_demo(s, Passwords(settings))  # no sign-ups: quick; blocks only by the policy
        keep_vsi_floor_in_force(s)  # the prompts sell voluntary SI paid today
        s.commit()
    return live_server


@pytest.fixture
def terminal(demo, tmp_path):
    env = {
        **os.environ,
        "FIELD_ENROLL_SERVER": demo.url,
        "FIELD_ENROLL_DATA_DIR": str(tmp_path / "phone"),
        "HOME": str(tmp_path),
        "COLUMNS": "160",
        "LANG": "C.UTF-8",
        "FIELD_ENROLL_LANG": "",
    }
    env.pop("FIELD_ENROLL_LANG")

    def spawn(*args: str) -> pexpect.spawn:
        child = pexpect.spawn(
            str(AGENT),
            list(args),
            env=env,
            encoding="utf-8",
            timeout=20,
            dimensions=(50, 160),
            # Ctrl-C as in an agent's terminal, even when the suite itself runs as a
            # background job, which starts with SIGINT ignored (and passes that on).
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        return child

    def run(*args: str) -> str:
        child = spawn(*args)
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, child.before
        return str(child.before)

    return spawn, run


def test_readme_flow_from_a_fresh_device_with_forgiving_prompts(terminal):
    spawn, run = terminal
    assert "Đã đăng nhập" in run(
        "login", "--username", "agent.eakar.1.1", "--password", DEMO_PASSWORD
    )
    run("sync")
    child = spawn("record")
    child.expect("Loại hình")
    child.sendline("")  # household HI, the default
    child.expect("Tham gia mới hay gia hạn")
    child.sendline("")
    child.expect("Họ và tên")
    child.sendline("Nguyễn Thị Lan")
    child.expect(r"Ngày sinh")
    child.sendline("12/04/2030")
    child.expect("không thể ở tương lai")
    child.sendline("1985-13-01")
    child.expect("ngày/tháng/năm, ví dụ 12/04/1985")
    child.sendline("12/04/1985")
    child.expect("Giới tính")
    child.sendline("1")
    child.expect(r"Số CCCD \(12 chữ số\)")
    child.sendline("06618500900")  # 11 digits
    child.expect("gồm đúng 12 chữ số; bạn đã nhập 11")
    child.sendline("066185009001")
    child.expect("Mã xã/phường")
    child.sendline("")
    child.expect("Địa chỉ")
    child.sendline("Thôn 2")
    child.expect("Ngày nộp tiền")
    child.sendline("")
    child.expect("Số tháng đóng")
    child.sendline("")
    child.expect("Mã hộ gia đình")
    child.sendline("HH-NEW-9001")
    child.expect("chưa có trên thiết bị này")
    child.expect(r"Đây là hộ mới\?")
    child.sendline("y")
    child.expect("thành viên thứ 1 của hộ")
    child.expect("Thành viên thứ mấy trong hộ")
    child.sendline("")
    child.expect(r"Trạm Y tế xã Ea Kar")  # the province's facilities, numbered
    child.expect(r"Nơi đăng ký KCB ban đầu \(số thứ tự hoặc mã\)")
    child.sendline("99999")
    child.expect("không có trong danh mục cơ sở khám chữa bệnh của tỉnh")
    child.sendline("66001")
    child.expect("Phải thu")
    child.expect(r"Lưu hồ sơ này\?")
    child.sendline("y")
    child.expect("Đã lưu")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    out = run("sync")
    assert "Nguyễn Thị Lan" in out and "đã nhận, chờ duyệt" in out
    assert "Đã gửi 1 hồ sơ" in out


def test_ctrl_c_keeps_the_draft_and_resume_asks_only_the_rest(terminal):
    spawn, run = terminal
    run("login", "--username", "agent.eakar.1.2", "--password", DEMO_PASSWORD)
    run("sync")
    child = spawn("record")
    child.expect("Loại hình")
    child.sendline("2")  # voluntary SI
    child.expect("Tham gia mới hay gia hạn")
    child.sendline("")
    child.expect("Họ và tên")
    child.sendline("Trần Văn Nam")
    child.expect("Ngày sinh")
    child.sendintr()
    child.expect("Đã dừng")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130

    child = spawn("record", "--resume")
    child.expect("Ngày sinh")  # the scheme, kind and name are not asked again
    assert "Họ và tên" not in child.before
    child.sendline("02/01/1979")
    child.expect("Giới tính")
    child.sendline("2")
    child.expect("Số CCCD")
    child.sendline("066079009101")
    for prompt in ("Mã xã/phường", "Địa chỉ", "Ngày nộp tiền", "Số tháng đóng"):
        child.expect(prompt)
        child.sendline("")
    child.expect("Mức thu nhập")
    child.sendline("2.000.000đ.")
    child.expect("ví dụ 2.000.000, 2000000, 2tr hoặc 2,5tr")
    child.sendline("2,5tr")
    child.expect("Hộ cận nghèo")
    child.expect("Đối tượng được hỗ trợ")
    child.sendline("dân tộc")
    child.expect("Hãy chọn một số từ 1 đến 4")
    child.sendline("2")
    child.expect(r"Lưu hồ sơ này\?")
    child.sendline("y")
    child.expect("Đã lưu")
    child.expect(pexpect.EOF)
    child.close()
    listed = json.loads(run("--json", "list"))
    assert len(listed) == 1
    body = listed[0]["record"]
    assert body["monthly_income_vnd"] == 2_500_000
    assert body["support_groups"] == ["near_poor"]
    assert body["person"]["date_of_birth"] == "1979-01-02"


def test_english_with_lang_en(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELD_ENROLL_SERVER", demo.url)
    monkeypatch.setenv("FIELD_ENROLL_DATA_DIR", str(tmp_path / "phone"))
    runner = CliRunner()
    args = ["login", "--username", "agent.eakar.1.3", "--password", DEMO_PASSWORD]
    vi = runner.invoke(app, args)
    assert "Đã đăng nhập" in vi.output
    en = runner.invoke(app, ["--lang", "en", *args])
    assert "Logged in as" in en.output
    assert "Waiting to be sent" in runner.invoke(app, ["--lang", "en", "status"]).output
    assert "Đang chờ gửi" in runner.invoke(app, ["--lang", "vi", "status"]).output
