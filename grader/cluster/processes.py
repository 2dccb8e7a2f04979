"""Detached background processes with pidfiles and logs, so they outlive the `cpin` command.

A process is identified by its pidfile *and* its executable: a pid reused by an unrelated program
is never reported as ours nor signalled.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Proc:
    """A named background process: its pidfile and log live in `run_dir`."""
    name: str
    run_dir: Path

    @property
    def pidfile(self) -> Path:
        return self.run_dir / "pids" / f"{self.name}.pid"

    @property
    def log(self) -> Path:
        return self.run_dir / "logs" / f"{self.name}.log"

    def start(self, argv: list[str], *, env: dict[str, str] | None = None) -> int:
        """Start `argv` in its own session, output to the log; returns the pid."""
        self.pidfile.parent.mkdir(parents=True, exist_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True, close_fds=True, cwd=self.run_dir, env=env)
        self.pidfile.write_text(f"{child.pid}\n{argv[0]}\n")
        return child.pid

    def recorded(self) -> tuple[int, str] | None:
        """(pid, executable) from the pidfile, or None when the process was never started."""
        try:
            pid, exe = self.pidfile.read_text().splitlines()[:2]
            return int(pid), exe
        except (FileNotFoundError, ValueError):
            return None

    @property
    def pid(self) -> int | None:
        rec = self.recorded()
        return rec[0] if rec else None

    def alive(self) -> bool:
        rec = self.recorded()
        return bool(rec) and _is_running(*rec)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after `timeout`; then SIGKILL what is left of its process group
        (children it forked, e.g. `git daemon`'s per-connection workers); forget the pidfile."""
        rec = self.recorded()
        if rec and _is_running(*rec):
            pid = rec[0]
            _signal(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _is_running(*rec) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _is_running(*rec):
                _signal(pid, signal.SIGKILL)
                while _is_running(*rec) and time.monotonic() < deadline + 5:
                    time.sleep(0.05)
        # start() made it a session (and group) leader: its group id is its pid, and that id cannot be
        # reused while any member of the group is alive, so the group is ours even when the leader crashed
        # (e.g. `git daemon`'s own `git-daemon` child) — unless the pid now names another live program.
        if rec and not _foreign(*rec):
            try:
                os.killpg(rec[0], signal.SIGKILL)
                deadline = time.monotonic() + 5          # SIGKILL is sent, not yet done: wait for the group
                while _group_alive(rec[0]) and time.monotonic() < deadline:
                    time.sleep(0.1)
            except (ProcessLookupError, PermissionError):
                pass
        self.pidfile.unlink(missing_ok=True)

    def rss_bytes(self) -> int:
        rec = self.recorded()
        if not rec or not _is_running(*rec):
            return 0
        for line in _read(f"/proc/{rec[0]}/status").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def log_tail(self, lines: int = 10) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
    _reap(pid)


def _reap(pid: int) -> None:
    """Collect the exit status when the process is our own child (no zombie left behind)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _foreign(pid: int, exe: str) -> bool:
    """The pid is alive but runs another program than the one recorded (the pid was reused)."""
    stat = _read(f"/proc/{pid}/stat")
    return bool(stat) and stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X") and not _is_running(pid, exe)


def _is_running(pid: int, exe: str) -> bool:
    _reap(pid)
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    if state in ("Z", "X"):
        return False
    try:
        target = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return False
    target = target.removesuffix(" (deleted)")
    return os.path.realpath(exe) == target or os.path.basename(exe) == os.path.basename(target)


def _group_alive(pgid: int) -> bool:
    """Whether a process of group `pgid` still runs (zombies are done: they only wait to be reaped)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
                return True
    return False
