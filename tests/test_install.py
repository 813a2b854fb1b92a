"""End-to-end tests of install.sh: build a wheelhouse, then install from it with no network."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALL_SH = ROOT / "install.sh"
PACKAGES = ("forms", "storage", "sync", "village_agent")

# Anything that would let pip reach a network or a local index other than the wheelhouse.
_BLACKHOLE = "http://127.0.0.1:9/"
_DROP_ENV = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "NO_PROXY", "no_proxy")

# Top-level entries never copied; names anywhere in the tree never copied.
_TOP_SKIP = {".venv", ".git", "build", "dist", "wheelhouse"}
_ANY_SKIP = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}


def _base_python() -> str:
    """The interpreter behind the running one (not the checkout's .venv)."""
    return str(getattr(sys, "_base_executable", None) or sys.executable)


def _env(*, offline: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
    env["VILLAGE_AGENT_SKIP_SYSTEM"] = "1"
    env["PYTHON"] = _base_python()
    if offline:
        # No pip setting from the machine (find-links, extra index URLs, config files) leaks in.
        env = {k: v for k, v in env.items() if not k.startswith("PIP_")}
        env.update(
            PIP_CONFIG_FILE=os.devnull,
            PIP_NO_INDEX="1",
            PIP_INDEX_URL=_BLACKHOLE,
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            HTTP_PROXY=_BLACKHOLE,
            HTTPS_PROXY=_BLACKHOLE,
            ALL_PROXY=_BLACKHOLE,
            http_proxy=_BLACKHOLE,
            https_proxy=_BLACKHOLE,
            all_proxy=_BLACKHOLE,
        )
    return env


def _run(
    args: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _explain(proc: subprocess.CompletedProcess[str]) -> str:
    return (
        f"command {proc.args!r} exited {proc.returncode}\n"
        f"--- stdout (tail) ---\n{proc.stdout[-6000:]}\n"
        f"--- stderr (tail) ---\n{proc.stderr[-6000:]}"
    )


def _source_files() -> list[Path]:
    """Tracked plus untracked-but-not-ignored files, relative to ROOT."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return []
    proc = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        return []
    names = [n for n in proc.stdout.decode().split("\0") if n]
    return [Path(n) for n in names if (ROOT / n).is_file()]


def _copy_checkout(dest: Path) -> None:
    files = _source_files()
    if files:
        for rel in files:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, target)
        return

    def ignore(directory: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n in _ANY_SKIP or n.endswith((".egg-info", ".pyc"))}
        if Path(directory) == ROOT:
            skip |= _TOP_SKIP & set(names)
        return skip

    shutil.copytree(ROOT, dest, ignore=ignore, dirs_exist_ok=True)


def test_help_is_bilingual() -> None:
    proc = _run(["bash", str(INSTALL_SH), "--help"], cwd=ROOT, env=_env(offline=True))
    assert proc.returncode == 0, _explain(proc)
    for needle in ("--wheelhouse", "--make-wheelhouse", "VILLAGE_AGENT_SKIP_SYSTEM", "用法"):
        assert needle in proc.stdout


def test_unknown_option_fails_clearly() -> None:
    proc = _run(["bash", str(INSTALL_SH), "--no-such-option"], cwd=ROOT, env=_env(offline=True))
    assert proc.returncode != 0
    assert "--no-such-option" in proc.stderr
    assert "安装失败" in proc.stderr


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("wheelhouse")
    proc = _run(
        ["bash", str(INSTALL_SH), "--make-wheelhouse", str(wh)], cwd=ROOT, env=_env(offline=False)
    )
    assert proc.returncode == 0, _explain(proc)
    names = {p.name for p in wh.glob("*.whl")}
    for prefix in ("pip-", "setuptools-", "wheel-", "village_agent-", "pytest-", "mypy-"):
        assert any(n.startswith(prefix) for n in names), f"no {prefix}*.whl in {sorted(names)}"
    return wh


@pytest.fixture(scope="module")
def offline_checkout(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout, installed by `install.sh --wheelhouse` with pip cut off."""
    checkout = tmp_path_factory.mktemp("offline") / "checkout"
    _copy_checkout(checkout)
    assert (checkout / "install.sh").is_file()
    assert not (checkout / ".venv").exists()
    proc = _run(_install_cmd(checkout, wheelhouse), cwd=checkout, env=_env(offline=True))
    assert proc.returncode == 0, _explain(proc)
    assert "安装完成 / Installation complete" in proc.stdout
    return checkout


def _install_cmd(checkout: Path, wheelhouse: Path) -> list[str]:
    return ["bash", str(checkout / "install.sh"), "--wheelhouse", str(wheelhouse)]


def _import_packages(checkout: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = (
        f"import {', '.join(PACKAGES)}\n"
        f"for m in ({', '.join(PACKAGES)}):\n"
        "    print(m.__name__, list(m.__path__))\n"
    )
    python = checkout / ".venv" / "bin" / "python"
    return _run([str(python), "-c", code], cwd=cwd, env=_env(offline=True), timeout=120)


@pytest.mark.slow
def test_offline_install_imports_packages(offline_checkout: Path, tmp_path: Path) -> None:
    # Run from tmp_path, not the checkout, so the current directory cannot make imports work.
    proc = _import_packages(offline_checkout, tmp_path)
    assert proc.returncode == 0, _explain(proc)
    # Imported from the fresh copy (editable) or its .venv, never from the original checkout.
    lines = proc.stdout.splitlines()
    assert len(lines) == len(PACKAGES), proc.stdout
    for line in lines:
        assert str(offline_checkout) in line, line


@pytest.mark.slow
def test_offline_environment_really_blocks_pip(offline_checkout: Path, tmp_path: Path) -> None:
    python = offline_checkout / ".venv" / "bin" / "python"
    probe = _run(
        [str(python), "-m", "pip", "download", "--no-deps", "-d", str(tmp_path), "six"],
        cwd=tmp_path,
        env=_env(offline=True),
        timeout=120,
    )
    assert probe.returncode != 0, _explain(probe)


@pytest.mark.slow
def test_offline_install_cli_help(offline_checkout: Path, tmp_path: Path) -> None:
    if not (offline_checkout / "village_agent" / "cli.py").is_file():
        pytest.skip("village_agent/cli.py is not written yet")
    cli = offline_checkout / ".venv" / "bin" / "village-agent"
    proc = _run([str(cli), "--help"], cwd=tmp_path, env=_env(offline=True), timeout=120)
    assert proc.returncode == 0, _explain(proc)


@pytest.mark.slow
def test_offline_install_rerun_is_idempotent(
    offline_checkout: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    marker = offline_checkout / ".venv" / "kept-by-rerun"
    marker.write_text("x")
    proc = _run(
        _install_cmd(offline_checkout, wheelhouse), cwd=offline_checkout, env=_env(offline=True)
    )
    assert proc.returncode == 0, _explain(proc)
    assert "安装完成 / Installation complete" in proc.stdout
    assert marker.exists(), "re-running install.sh re-created .venv"
    again = _import_packages(offline_checkout, tmp_path)
    assert again.returncode == 0, _explain(again)
