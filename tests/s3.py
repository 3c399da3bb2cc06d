"""A real S3 endpoint for the tests: moto's server on a loopback port, and a TCP relay in
front of it that a test can cut to play an endpoint going down (moto keeps its buckets in
memory, so stopping moto itself would also lose what a test wants to check afterwards)."""

import contextlib
import json
import secrets
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from newsroom.storage import s3_storage
from tests.support import clean_env, free_port, wait_for_http

REGION = "us-east-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"


def start_moto(log: Path) -> tuple[subprocess.Popen, str]:
    """moto's server, logging to a file: it writes a line a request, and a pipe nobody
    reads would fill up and stop it in the middle of a long run."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=clean_env(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY),
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    endpoint = f"http://127.0.0.1:{port}"
    wait_for_http(f"{endpoint}/moto-api/", process=server, log=log)
    return server, endpoint


def client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@dataclass
class Bucket:
    """A fresh bucket on the endpoint, and the STORAGES entry that writes into it."""

    endpoint: str
    name: str = field(default_factory=lambda: f"media-{secrets.token_hex(6)}")

    public: bool = True

    def __post_init__(self):
        client(self.endpoint).create_bucket(Bucket=self.name)
        if self.public:  # readers fetch media straight from the bucket: a bucket policy
            client(self.endpoint).put_bucket_policy(Bucket=self.name, Policy=public_read(self.name))

    @property
    def media_url(self) -> str:
        return f"{self.endpoint}/{self.name}/"

    def storage(self, *, endpoint: str | None = None, **options) -> dict:
        return s3_storage(
            bucket=self.name,
            endpoint=endpoint or self.endpoint,
            region=REGION,
            media_url=self.media_url,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            timeout=2,
            **options,
        )

    def keys(self) -> set[str]:
        pages = client(self.endpoint).get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return client(self.endpoint).get_object(Bucket=self.name, Key=key)["Body"].read()


def public_read(bucket: str) -> str:
    """Anyone may read objects (not list them): the policy docs/deployment.md asks for."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["s3:GetObject"],
                    "Resource": [f"arn:aws:s3:::{bucket}/*"],
                }
            ],
        }
    )


class Relay:
    """Forwards TCP connections from its own port to `target_port` until `cut()`: then
    every open connection is closed and new ones are refused, as when the endpoint dies."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        while True:
            try:
                incoming, _ = self.listener.accept()
            except OSError:
                return  # cut
            outgoing = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.sockets += [incoming, outgoing]
            for source, sink in ((incoming, outgoing), (outgoing, incoming)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self):
        self.listener.close()
        with self.lock:
            for end in self.sockets:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()
