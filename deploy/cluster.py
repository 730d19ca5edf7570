"""`make cluster`: Facilitator as it is deployed, on this machine, from the installed binaries.

nginx (deploy/nginx.conf: sticky sessions on a cookie, websocket upgrades) in front of N
`python -m facilitator` processes that share one PostgreSQL database and pass live events
to each other through Redis. Everything listens on 127.0.0.1 on free ports and keeps its
data in a throwaway directory; the script prints the URL and stops it all on Ctrl-C or
SIGTERM.

    .venv/bin/python -m deploy.cluster [--processes 2] [--port 8080] [--dir DIR] [--keep]

`Cluster` is also what tests/test_cluster.py and `make bench-live --cluster` start.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SITE_CONF = Path(__file__).resolve().parent / "nginx.conf"


def _ephemeral_range() -> tuple[int, int]:
    """The ports the kernel hands to outgoing connections (ip_local_port_range)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


# Ports Chromium refuses to open (net::ERR_UNSAFE_PORT; its kRestrictedPorts) above 1023: a
# browser test whose server drew one could not load a page
BROWSER_UNSAFE_PORTS = frozenset(
    {1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, *range(6665, 6670), 6679, 6697, 10080}
)
_ports = random.Random()  # its own generator: never moves the global random state tests may watch


def _worker_slice(first: int, low: int) -> tuple[int, int]:
    """Under pytest-xdist, worker N of M (and the processes it starts, which inherit its environment)
    draws from the N-th of M slices: two workers never pick the same port in the moment before a bind."""
    try:
        index = int(os.environ.get("PYTEST_XDIST_WORKER", "").removeprefix("gw"))
        count = int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    except (KeyError, ValueError):
        return first, low
    if not 0 <= index < count:
        return first, low
    width = (low - first) // count
    return first + index * width, first + (index + 1) * width


def free_port() -> int:
    """A free TCP port on the loopback interface, below the kernel's ephemeral range.

    A port the kernel chose for a listener (bind to port 0) comes from the range it also
    gives to outgoing connections: in the seconds before a server binds it, one of the
    many connections to PostgreSQL and Redis may take it, and the server dies with
    "Address already in use". Below that range only listeners take ports — and none
    that a browser refuses to open.
    """
    low, _ = _ephemeral_range()
    first = 10_000 if low > 12_000 else 1_024
    first, low = _worker_slice(first, low)
    for _ in range(200):
        port = _ports.randrange(first, low)
        if port in BROWSER_UNSAFE_PORTS:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # everything below the range is taken: let the kernel choose
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    """Wait until something listens on the loopback port (or the process that should has died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with status {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def wait_for_health(url: str, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    """Wait until ``url``/healthz answers 200: the server handles a request and reaches its database
    (or the process that should serve it has died)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline or (process is not None and process.poll() is not None):
                raise
        time.sleep(0.05)


def children(pid: int) -> list[int]:
    """The direct child processes of pid (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def process_name(number: int) -> str:
    """The name of app process `number` (1, 2, …) in nginx's sticky cookie: p1, p2, …"""
    return f"p{number}"


def site_config(app_ports: list[int], listen: str, access_log: Path) -> str:
    """deploy/nginx.conf with its markers filled in for app processes on these loopback ports."""
    processes = [(process_name(n), port) for n, port in enumerate(app_ports, 1)]
    markers = {
        "@PROCESS_UPSTREAMS@": "\n".join(
            f"upstream facilitator_{name} {{ server 127.0.0.1:{port}; keepalive 8; }}"
            for name, port in processes
        ),
        "@UPSTREAM_SERVERS@": "\n".join(f"    server 127.0.0.1:{port} max_fails=0;" for _, port in processes),
        "@PIN_BY_COOKIE@": "\n".join(f"    {name} facilitator_{name};" for name, _ in processes),
        "@PIN_BY_ADDRESS@": "\n".join(
            f"    ~(^|\\s)127\\.0\\.0\\.1:{port}$ {name};" for name, port in processes
        ),
        "@LISTEN@": listen,
        "@ACCESS_LOG@": str(access_log),
    }
    site = SITE_CONF.read_text()
    for marker, value in markers.items():
        site = site.replace(marker, value)
    return site


class Cluster:
    """PostgreSQL + Redis + N app processes + nginx on loopback, in one throwaway directory."""

    def __init__(
        self,
        processes: int = 2,
        port: int | None = None,
        workdir: Path | None = None,
        extra_env: dict[str, str] | None = None,
        keep: bool = False,
        message_queue: bool = True,
    ) -> None:
        self.processes = processes
        # without it (one process: nothing to pass on) no Redis is started
        self.message_queue = message_queue
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="facilitator-cluster-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        self.extra_env = extra_env or {}
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.app_ports = [free_port() for _ in range(processes)]
        self.database_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.pg_port}/facilitator"
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.apps: list[subprocess.Popen] = []
        self.redis: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None
        self._pg_started = False

    # -- environment --------------------------------------------------------------------

    def env(self, port: int | None = None) -> dict[str, str]:
        """The environment of an app process (or of a `flask --app wsgi` command)."""
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            **({"SOCKETIO_MESSAGE_QUEUE": self.redis_url} if self.message_queue else {}),
            "HOST": "127.0.0.1",
            "PUBLIC_URL": self.url,
            "FACILITATOR_INSTANCE": str(self.dir / "instance"),
            **self.extra_env,
        }
        if port is not None:
            env["PORT"] = str(port)
        return env

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """Run `flask --app wsgi …` against the cluster's database."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=REPO,
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
        )

    # -- PostgreSQL and Redis -----------------------------------------------------------

    def _as_postgres(self, *args: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *args]
        return list(args)

    def start_services(self) -> None:
        """PostgreSQL (a fresh cluster with an empty database `facilitator`) and Redis."""
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL binaries not found in {PG_BIN} (apt-get install postgresql-15)")
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        pg = self.dir / "postgres"
        pg.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            self.dir.chmod(0o711)  # mkdtemp makes it 0700; the postgres user must pass through
            shutil.chown(pg, "postgres", "postgres")
        subprocess.run(
            self._as_postgres(
                str(PG_BIN / "initdb"),
                *("-D", str(pg / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"),
            ),
            check=True,
            capture_output=True,
        )
        options = f"-p {self.pg_port} -k {pg} -c listen_addresses=127.0.0.1 -c max_connections=200"
        options += " " + os.environ.get("CLUSTER_PG_OPTIONS", "")
        subprocess.run(
            self._as_postgres(
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(pg / "data"),
                "-w",
                "-l",
                str(pg / "log"),
                "-o",
                options,
                "start",
            ),
            check=True,
            capture_output=True,
        )
        self._pg_started = True
        subprocess.run(
            self._as_postgres(
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_port),
                "-U",
                "postgres",
                "facilitator",
            ),
            check=True,
            capture_output=True,
        )
        if not self.message_queue:
            return
        self.redis = subprocess.Popen(
            [
                "redis-server",
                *("--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                *("--dir", str(self.dir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.redis_port, 20, self.redis)

    @property
    def postgres_pid(self) -> int | None:
        path = self.dir / "postgres" / "data" / "postmaster.pid"
        return int(path.read_text().split()[0]) if path.exists() else None

    # -- the app processes --------------------------------------------------------------

    def start_apps(self, timeout: float = 90.0) -> None:
        """Start every app process at the same moment, then wait until each one listens."""
        for number, port in enumerate(self.app_ports, 1):
            with open(self.app_log(number), "ab") as log:  # the child keeps its own descriptor
                self.apps.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "facilitator"],
                        cwd=REPO,
                        env=self.env(port),
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        for number, (process, port) in enumerate(zip(self.apps, self.app_ports, strict=True), 1):
            try:
                wait_for_port(port, timeout, process)
            except (RuntimeError, TimeoutError) as error:  # say why, from what the process printed
                tail = self.app_log(number).read_text(errors="replace")[-3000:]
                raise RuntimeError(f"app process {number} (port {port}): {error}\n{tail}") from error

    def app_log(self, number: int) -> Path:
        return self.dir / f"app-{number}.log"

    def first_start_output(self) -> str:
        """What the app processes printed before serving (the first account once, then links)."""
        logs = [self.app_log(n).read_text(errors="replace") for n in range(1, self.processes + 1)]
        chosen = next((text for text in logs if "wachtwoord:" in text), logs[0] if logs else "")
        return chosen.split("\nFacilitator luistert")[0].strip()

    # -- nginx --------------------------------------------------------------------------

    def start_proxy(self) -> None:
        """nginx in the foreground with its own prefix, in front of the app processes."""
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        prefix = self.dir / "nginx"
        temp = prefix / "temp"
        temp.mkdir(parents=True, exist_ok=True)
        site = site_config(self.app_ports, f"127.0.0.1:{self.port}", prefix / "access.log")
        (prefix / "facilitator.conf").write_text(site)
        user = ""
        if os.geteuid() == 0:  # the workers drop to nobody; let them write their temp files
            user = "user nobody nogroup;"
            shutil.chown(temp, "nobody", "nogroup")
        (prefix / "nginx.conf").write_text(
            f"""{user}
daemon off;
worker_processes auto;
worker_rlimit_nofile 16384;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 8192; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {prefix / "facilitator.conf"};
}}
"""
        )
        command = [
            binary,
            "-p",
            str(prefix),
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            str(prefix / "error.log"),
        ]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError("nginx configuration: " + check.stderr.strip())
        self.nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, 20, self.nginx)
        wait_for_health(self.url, 30)  # through nginx to an app process and its database

    # -- the whole -----------------------------------------------------------------------

    def start(self) -> Cluster:
        """Services, then every app process at once, then nginx."""
        try:
            self.start_services()
            self.start_apps()
            self.start_proxy()
        except BaseException:
            self.stop()
            raise
        return self

    def pids(self) -> dict[str, list[int]]:
        """The processes of the cluster by part (for CPU and memory accounting)."""
        parts: dict[str, list[int]] = {"app": [p.pid for p in self.apps if p.poll() is None]}
        if self.nginx and self.nginx.poll() is None:
            parts["nginx"] = [self.nginx.pid, *children(self.nginx.pid)]
        if self.redis and self.redis.poll() is None:
            parts["redis"] = [self.redis.pid]
        if self.postgres_pid:
            parts["postgres"] = [self.postgres_pid, *children(self.postgres_pid)]
        return parts

    def stop(self) -> None:
        """Stop everything that was started (nginx, apps, Redis, PostgreSQL); remove the directory."""
        for process in [self.nginx, *self.apps, self.redis]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [self.nginx, *self.apps, self.redis]:
            if process is None:
                continue
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if self._pg_started:
            subprocess.run(
                self._as_postgres(
                    str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "postgres" / "data"), "-m", "fast", "stop"
                ),
                capture_output=True,
            )
            self._pg_started = False
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2, help="app processes behind nginx (default 2)")
    parser.add_argument(
        "--port", type=int, default=None, help="nginx's port on 127.0.0.1 (default: a free one)"
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="the data directory (default: a new temporary one)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data directory after stopping")
    args = parser.parse_args(argv)

    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    cluster = Cluster(processes=args.processes, port=args.port, workdir=args.dir, keep=args.keep)
    print(
        f"Starting PostgreSQL, Redis, {args.processes} app processes and nginx in {cluster.dir} …", flush=True
    )
    try:
        cluster.start()
    except (RuntimeError, TimeoutError, OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None)
        print(
            f"fout: the cluster did not start: {exc}" + (f"\n{detail.decode()}" if detail else ""),
            file=sys.stderr,
        )
        return 1
    print(cluster.first_start_output())
    print(
        f"\nFacilitator (cluster) luistert op {cluster.url} (stoppen: Ctrl-C)\n"
        f"  app processes: {', '.join(f'127.0.0.1:{p}' for p in cluster.app_ports)}"
        f" (logs: {cluster.dir}/app-N.log)\n"
        f"  PostgreSQL:    {cluster.database_url}\n"
        f"  Redis:         {cluster.redis_url}\n"
        f"  nginx:         {cluster.dir}/nginx/ (access.log names the process behind each request)",
        flush=True,
    )
    status = 0
    try:
        while not stopping.wait(0.5):
            dead = [n for n, p in enumerate(cluster.apps, 1) if p.poll() is not None]
            if dead or (cluster.nginx and cluster.nginx.poll() is not None):
                print(
                    f"fout: a process of the cluster stopped (app {dead or 'nginx'}); stopping",
                    file=sys.stderr,
                )
                status = 1
                break
    finally:
        print("\nStopping the cluster …", flush=True)
        cluster.stop()
        print("Cluster stopped.", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
