"""A private Docker engine for the test session, and a busybox image built without a registry.

``DockerEngine.start()`` runs ``dockerd`` as root with every path under one short temporary
directory (unix socket paths are limited to ~100 characters), no iptables and no bridge, and
waits (bounded) until it answers a ping. ``build_busybox_image`` makes ``orcaops-busybox:latest``
by ``docker import`` of a rootfs holding a static busybox and its applet links.

Usable by hand too::

    python tests/docker_engine.py      # starts an engine, prints DOCKER_HOST, waits for Ctrl-C
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import docker

IMAGE = "orcaops-busybox:latest"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0


def unavailable_reason() -> str | None:
    """Why a private engine cannot be started here, or None when it can."""
    missing = [tool for tool in ("dockerd", "busybox") if shutil.which(tool) is None]
    if missing:
        return (f"{' and '.join(missing)} not installed (run .ci/install-docker.sh: "
                "apt-get install docker.io busybox-static)")
    if os.geteuid() != 0:
        return "dockerd must run as root to start a private Docker engine"
    return None


@dataclass
class DockerEngine:
    """A running private ``dockerd``."""

    root: Path
    process: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        """The value for DOCKER_HOST."""
        return f"unix://{self.root / 'docker.sock'}"

    @property
    def log_path(self) -> Path:
        return self.root / "dockerd.log"

    def client(self, timeout: int = 60) -> docker.DockerClient:
        """A client of this engine."""
        return docker.DockerClient(base_url=self.base_url, timeout=timeout)

    @classmethod
    def start(cls, timeout: float = START_TIMEOUT_S) -> DockerEngine:
        """Start dockerd and wait until it answers a ping.

        Raises:
            RuntimeError: dockerd exited or did not answer within ``timeout`` (with its log).
        """
        root = Path(tempfile.mkdtemp(prefix="oo-dkr-", dir="/tmp"))
        argv = ["dockerd", "--host", f"unix://{root / 'docker.sock'}",
                "--data-root", str(root / "data"), "--exec-root", str(root / "exec"),
                "--pidfile", str(root / "docker.pid"), "--iptables=false", "--bridge=none"]
        with open(root / "dockerd.log", "wb") as log:
            # Own session: teardown can signal dockerd and its containerd together.
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        engine = cls(root, proc)
        engine._wait_ready(timeout)
        return engine

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._fail(f"dockerd exited with code {self.process.returncode}")
            try:
                if self.client(timeout=2).ping():
                    return
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.2)
        self._fail(f"dockerd did not answer within {timeout:g}s")

    def _fail(self, why: str) -> None:
        tail = self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""
        self.stop()
        raise RuntimeError(f"{why}; log tail:\n{tail}")

    def build_busybox_image(self, tag: str = IMAGE) -> str:
        """``docker import`` a busybox rootfs as ``tag``; returns the image id."""
        data = busybox_rootfs_tar()
        repo, _, version = tag.partition(":")
        self.client().api.import_image_from_data(data, repository=repo, tag=version or "latest")
        return str(self.client().images.get(tag).id)

    def stop(self) -> None:
        """SIGTERM dockerd, wait, then SIGKILL its whole session; remove the directory."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # containerd and shims left behind
        except (ProcessLookupError, PermissionError):
            pass
        if self.process.poll() is None:
            self.process.wait(5)
        _kill_leftovers(self.root)
        _unmount_under(self.root)
        shutil.rmtree(self.root, ignore_errors=True)


def busybox_rootfs_tar() -> bytes:
    """A tar of a minimal rootfs: /bin/busybox, /bin/<applet> links, /etc/passwd, /tmp."""
    busybox = shutil.which("busybox")
    if busybox is None:
        raise RuntimeError("busybox is not installed")
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in ("bin", "etc", "tmp", "proc", "sys", "dev", "root"):
            _add_dir(tar, name, 0o1777 if name == "tmp" else 0o755)
        tar.add(busybox, arcname="bin/busybox")
        for applet in applets:
            if applet != "busybox":
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type, link.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(link)
        _add_file(tar, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
        _add_file(tar, "etc/group", b"root:x:0:\n")
    return buf.getvalue()


def _add_dir(tar: tarfile.TarFile, name: str, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, mode
    tar.addfile(info)


def _add_file(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    tar.addfile(info, io.BytesIO(data))


def _kill_leftovers(root: Path) -> None:
    # A dockerd that was killed (not stopped) leaves containerd shims in sessions of their own,
    # and under them the containers' processes: find the shims by their socket path.
    import psutil

    for proc in psutil.process_iter(["cmdline"]):
        if str(root) not in " ".join(proc.info["cmdline"] or []):
            continue
        try:
            for child in proc.children(recursive=True):
                child.kill()
            proc.kill()
        except psutil.Error:
            continue


def _unmount_under(root: Path) -> None:
    # A killed dockerd can leave overlay and netns mounts that make rmtree fail.
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return
    targets = [line.split()[1] for line in mounts if len(line.split()) > 1]
    for target in sorted((t for t in targets if t.startswith(str(root))), reverse=True):
        subprocess.run(["umount", "-l", target], capture_output=True, check=False)


if __name__ == "__main__":
    engine = DockerEngine.start()
    engine.build_busybox_image()
    print(f"export DOCKER_HOST={engine.base_url}", flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        engine.stop()
