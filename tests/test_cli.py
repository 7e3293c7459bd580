"""The `zhiyuan` console script (`zhiyuan.manage.main`)."""

import os
import subprocess
import sys
from pathlib import Path

ZHIYUAN = Path(sys.executable).with_name("zhiyuan")


def test_a_ctrl_c_ends_a_command_as_interrupted_without_a_traceback(tmp_path: Path) -> None:
    # What a Ctrl-C raises in a command (`make run`'s migrate or load_demo, say).
    env = {**os.environ, "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "zhiyuan.settings"}
    done = subprocess.run(
        [str(ZHIYUAN), "shell", "-c", "raise KeyboardInterrupt"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 130
    assert done.stderr.strip() == "已中断。"  # "Interrupted.", in the platform's language
    assert "Traceback" not in done.stdout + done.stderr
